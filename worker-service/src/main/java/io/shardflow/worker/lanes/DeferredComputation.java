package io.shardflow.worker.lanes;

import io.shardflow.core.messaging.ShardTask;
import java.util.concurrent.CompletableFuture;

/** A shard's computation handed to a service that finishes it later (generation's batching engine). */
@FunctionalInterface
public interface DeferredComputation {
    /** Hands the task over; the future ends with the partial, or with the task's failure. */
    CompletableFuture<byte[]> start(ShardTask task) throws InterruptedException;
}
