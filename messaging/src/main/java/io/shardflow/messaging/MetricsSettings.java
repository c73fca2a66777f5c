package io.shardflow.messaging;

import jakarta.validation.constraints.Size;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Who may read a service's meters.
 *
 * @param scrapeToken a secret that Prometheus sends as {@code Authorization: Bearer <token>} to read
 *     {@code /actuator/prometheus} on every service, and nothing else (the API also lets an ADMIN key read it); unset,
 *     the scheduler and the worker, which check no API keys, serve their meters to no one
 */
@Validated
@ConfigurationProperties("shardflow.metrics")
public record MetricsSettings(@Nullable @Size(min = 24) String scrapeToken) {}
