package io.shardflow.db;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A clock a test moves forward: every lease, stall and heartbeat the platform judges reads it, so a test makes time
 * pass instead of rewriting timestamps in the database. It follows the system clock plus an offset (for a running
 * platform, whose heartbeats need time to pass), or stands still until moved ({@link #frozen()}, for tests that
 * must not depend on how fast the machine is).
 */
public final class MutableClock extends Clock {
    private final Supplier<Instant> base;
    private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

    /** The system clock, moved by what tests add. */
    public MutableClock() {
        this(Instant::now);
    }

    private MutableClock(Supplier<Instant> base) {
        this.base = base;
    }

    /** A clock that stands at the current instant until a test moves it. */
    public static MutableClock frozen() {
        var start = Instant.now();
        return new MutableClock(() -> start);
    }

    public void advance(Duration by) {
        offset.accumulateAndGet(by, Duration::plus);
    }

    /** Back to where it started. */
    public void reset() {
        offset.set(Duration.ZERO);
    }

    @Override
    public Instant instant() {
        return base.get().plus(offset.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("the platform reads instants only");
    }
}
