package io.shardflow.core.shards;

import io.shardflow.core.jobs.IllegalTransitionException;
import io.shardflow.core.jobs.Transitions;
import java.util.EnumSet;
import java.util.Set;

/**
 * A shard task's lifecycle. A worker takes a DISPATCHED attempt (RUNNING) and ends it DONE; an attempt that fails
 * or whose lease expires in DISPATCHED or RUNNING goes back to PENDING with its attempt counted (and is dispatched
 * again at once), so a dead worker's shard runs again. The attempt number fences a stale worker's writes.
 */
public enum ShardStatus {
    PENDING,
    DISPATCHED,
    RUNNING,
    DONE,
    FAILED;

    public boolean isTerminal() {
        return this == DONE || this == FAILED;
    }

    public Set<ShardStatus> next() {
        return switch (this) {
            case PENDING -> EnumSet.of(DISPATCHED, FAILED);
            case DISPATCHED -> EnumSet.of(RUNNING, PENDING, FAILED);
            case RUNNING -> EnumSet.of(DONE, FAILED, PENDING);
            case DONE, FAILED -> EnumSet.noneOf(ShardStatus.class);
        };
    }

    public boolean canMoveTo(ShardStatus target) {
        return next().contains(target);
    }

    /** The statuses from which {@code target} may be reached, for compare-and-set updates. */
    public static Set<ShardStatus> sourcesOf(ShardStatus target) {
        return Transitions.sources(ShardStatus.class, s -> s.canMoveTo(target));
    }

    public ShardStatus moveTo(ShardStatus target) {
        if (!canMoveTo(target)) {
            throw new IllegalTransitionException("shard", this, target);
        }
        return target;
    }
}
