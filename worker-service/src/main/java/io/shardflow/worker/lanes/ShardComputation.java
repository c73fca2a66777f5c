package io.shardflow.worker.lanes;

import io.shardflow.core.messaging.ShardTask;

/** Computes one shard task's partial result as bytes; bad input is a {@link ShardInputException}. */
public interface ShardComputation {
    byte[] compute(ShardTask task);
}
