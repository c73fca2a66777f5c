package io.shardflow.api;

import jakarta.validation.Valid;
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
 * @param maxSyncWaiting how many {@code /predict} and {@code /generate} calls may wait for their jobs at once in this
 *     process; one more is answered 503 at once, before a job is made. Each waiting call holds an HTTP thread
 *     (Tomcat has 200), so this leaves threads for every other request
 * @param rateLimit requests per caller (API key) on {@code /api/v1/**}, a token bucket per key in this process
 * @param maxBatchJobs the most jobs one {@code POST /api/v1/jobs:batch} may carry
 */
@Validated
@ConfigurationProperties("shardflow.api")
public record ApiSettings(
        @DefaultValue("4096") @Min(1) @Max(1_048_576) int datasetChunkRows,
        @DefaultValue("200") @Min(1) int maxPageSize,
        @DefaultValue("1024") @Min(1) int maxGenerationTokens,
        @DefaultValue("30s") Duration syncTimeout,
        @DefaultValue("1s") Duration dashboardRefresh,
        @DefaultValue("64") @Min(1) int maxSyncWaiting,
        @DefaultValue @Valid RateLimit rateLimit,
        @DefaultValue("1000") @Min(1) int maxBatchJobs) {

    /**
     * A token bucket per API key: {@code burst} requests at once, refilled at {@code requestsPerSecond}; one more is
     * answered 429 with {@code Retry-After}.
     *
     * @param requestsPerSecond the lasting rate a key may keep up; 0 turns the limit off
     * @param burst how many requests a key may make at once after a quiet spell; 0 means one second's worth
     */
    public record RateLimit(
            @DefaultValue("5000") @Min(0) int requestsPerSecond,
            @DefaultValue("0") @Min(0) int burst) {

        public boolean enabled() {
            return requestsPerSecond > 0;
        }

        /** The bucket's size: {@code burst}, or one second's worth. */
        public int capacity() {
            return burst > 0 ? burst : requestsPerSecond;
        }
    }
}
