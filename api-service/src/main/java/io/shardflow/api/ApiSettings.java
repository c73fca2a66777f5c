package io.shardflow.api;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The API's settings ({@code shardflow.api.*}).
 *
 *
 * @param datasetChunkRows rows per stored dataset chunk: the unit a shard reads
 * @param maxPageSize the largest page a list returns
 * @param maxGenerationTokens the most bytes one prompt may ask a gpt to generate ({@code generation.maxTokens})
 * @param syncTimeout how long {@code /predict} and {@code /generate} wait for their job before answering 504
 * @param dashboardRefresh how often the dashboard's stream looks for job events to tell open pages about
 */
@Validated
@ConfigurationProperties("shardflow.api")
public record ApiSettings(
        @DefaultValue("4096") @Min(1) @Max(1_048_576) int datasetChunkRows,
        @DefaultValue("200") @Min(1) int maxPageSize,
        @DefaultValue("1024") @Min(1) int maxGenerationTokens,
        @DefaultValue("30s") Duration syncTimeout,
        @DefaultValue("1s") Duration dashboardRefresh) {}
