package io.shardflow.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A figure worked out at most once per {@code period}, however many ask and however often (gauges read on every
 * scrape, dashboards refreshed every second): the others get the last answer. A failure is an answer too, kept as
 * long: while the database or the broker is away, asking again at once would only wait for it again.
 */
public final class Fresh<T> {
    private final Duration period;
    private final Clock clock;
    private final Supplier<T> source;
    private @Nullable Instant at;
    private @Nullable T value;
    private @Nullable RuntimeException failure;

    public Fresh(Duration period, Clock clock, Supplier<T> source) {
        this.period = period;
        this.clock = clock;
        this.source = source;
    }

    /** The last answer while it is younger than the period, else a new one; throws the last failure likewise. */
    public synchronized T get() {
        var now = clock.instant();
        if (at == null || !at.plus(period).isAfter(now)) {
            at = now;
            try {
                value = source.get();
                failure = null;
            } catch (RuntimeException e) {
                failure = e;
            }
        }
        var failed = failure;
        if (failed != null) {
            throw failed;
        }
        return java.util.Objects.requireNonNull(value);
    }
}
