package io.shardflow.worker.lanes;

import io.shardflow.core.messaging.ShardTask;

/** Computes one shard task's partial result as bytes; bad input is a {@link ShardInputException}. */
public interface ShardComputation {
    byte[] compute(ShardTask task);

    /** Computes the task, or as much of it as runs before its lane is wanted elsewhere; all of it unless overridden. */
    default Computed computeSlice(ShardTask task) {
        return new Computed(compute(task), task.rowEnd());
    }
}
