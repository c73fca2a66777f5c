package io.shardflow.scheduler.leases;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * One periodic pass of a background loop over the items it finds, each handled on its own: a failure is logged with
 * its stack trace and does not stop the other items, and an item (or a search) that failed is skipped for a while
 * that doubles with each failure, up to a cap, so a poison row neither blocks the loop nor fills the log every
 * second.
 *
 * @param <K> what identifies an item
 */
final class BackgroundPass<K> {
    /** Failing items remembered at most; beyond it the oldest are forgotten and simply tried again. */
    private static final int MAX_REMEMBERED = 10_000;

    private final String name;
    private final Logger log;
    private final Clock clock;
    private final Duration first;
    private final Duration max;
    private final Map<K, Failing> failing = new ConcurrentHashMap<>();
    private volatile Failing search = Failing.NONE;

    private record Failing(int times, Instant notBefore) {
        static final Failing NONE = new Failing(0, Instant.MIN);
    }

    BackgroundPass(String name, Logger log, Clock clock, Duration first, Duration max) {
        this.name = name;
        this.log = log;
        this.clock = clock;
        this.first = first;
        this.max = max;
    }

    /** The items {@code query} finds, or none while the last search failed recently. */
    <T> List<T> find(Supplier<List<T>> query) {
        var now = clock.instant();
        if (now.isBefore(search.notBefore())) {
            return List.of();
        }
        try {
            var found = query.get();
            search = Failing.NONE;
            return found;
        } catch (RuntimeException e) {
            search = next(search, now);
            log.warn(
                    "{}: the search failed ({} time(s)); next try after {}",
                    name,
                    search.times(),
                    search.notBefore(),
                    e);
            return List.of();
        }
    }

    /** Runs {@code action} for {@code item} unless it failed recently; true when it ran and succeeded. */
    boolean run(K item, Runnable action) {
        var now = clock.instant();
        var before = failing.get(item);
        if (before != null && now.isBefore(before.notBefore())) {
            return false;
        }
        try {
            action.run();
            failing.remove(item);
            return true;
        } catch (RuntimeException e) {
            if (failing.size() >= MAX_REMEMBERED) {
                failing.clear();
            }
            var after = next(before == null ? Failing.NONE : before, now);
            failing.put(item, after);
            log.warn("{}: {} failed ({} time(s)); next try after {}", name, item, after.times(), after.notBefore(), e);
            return false;
        }
    }

    private Failing next(Failing previous, Instant now) {
        long factor = 1L << Math.min(20, previous.times());
        var wait = first.multipliedBy(factor);
        return new Failing(previous.times() + 1, now.plus(wait.compareTo(max) > 0 ? max : wait));
    }
}
