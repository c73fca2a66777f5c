package io.shardflow.bench;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * What a scenario measures against: the API, the options, and the platform the bench started (null with
 * {@code --api}). References that need the platform's database or broker take them from here, or from
 * {@code --jdbc} and {@code --kafka} for a running installation.
 */
public record BenchContext(
        Http api, BenchOptions options, @Nullable Platform platform) {

    /** The platform's PostgreSQL URL (user {@code postgres}), or null when unknown. */
    public @Nullable String jdbcUrl() {
        return platform != null ? platform.jdbcUrl() : options.jdbc();
    }

    /** The platform's Kafka bootstrap address, or null when unknown. */
    public @Nullable String kafka() {
        return platform != null ? platform.kafka() : options.kafka();
    }

    /** The standalone jar, for scenarios that start a platform of their own (another lane count, say). */
    public Path jar() {
        return options.jar();
    }
}
