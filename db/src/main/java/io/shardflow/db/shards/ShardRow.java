package io.shardflow.db.shards;

import io.shardflow.core.shards.ShardFailure;
import io.shardflow.core.shards.ShardStatus;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A shard as stored.
 *
 * @param workerId the worker running or that ran the current attempt; null before one took it
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
        @Nullable Instant leaseUntil,
        @Nullable String error,
        @Nullable ShardFailure failure) {}
