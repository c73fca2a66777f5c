package io.shardflow.core.shards;

import io.shardflow.core.jobs.IllegalTransitionException;
import java.util.EnumSet;
import java.util.Set;

/**
 * A shard task's lifecycle. A lease that expires in DISPATCHED or RUNNING sends the shard back to PENDING
 * with its attempt counted, so a dead worker's shard runs again.
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
            case DISPATCHED -> EnumSet.of(RUNNING, PENDING, DONE, FAILED);
            case RUNNING -> EnumSet.of(DONE, FAILED, PENDING);
            case DONE, FAILED -> EnumSet.noneOf(ShardStatus.class);
        };
    }

    public boolean canMoveTo(ShardStatus target) {
        return next().contains(target);
    }

    public ShardStatus moveTo(ShardStatus target) {
        if (!canMoveTo(target)) {
            throw new IllegalTransitionException("shard", this, target);
        }
        return target;
    }
}
