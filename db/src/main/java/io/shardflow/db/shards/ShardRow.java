package io.shardflow.db.shards;

import io.shardflow.core.shards.ShardFailure;
import io.shardflow.core.shards.ShardStatus;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A shard as stored.
 *
 * @param workerId the worker the current attempt was dispatched to, runs or ran on; null while it waits
 * @param laneSlot the slot of the lane the current attempt was dispatched to; null while it waits
 * @param leaseUntil when the current attempt is given up unless extended; null once finished
 * @param error why the last attempt ended without DONE; null if none did
 * @param failure the kind of that ending
 */
public record ShardRow(
        ShardKey key,
        ShardStatus status,
        long rowStart,
        long rowEnd,
        int attempt,
        int maxAttempts,
        @Nullable String workerId,
        @Nullable Integer laneSlot,
        @Nullable Instant leaseUntil,
        @Nullable String error,
        @Nullable ShardFailure failure) {}
