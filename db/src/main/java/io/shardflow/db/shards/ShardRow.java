package io.shardflow.db.shards;

import io.shardflow.core.shards.ShardStatus;
import java.time.Instant;

/** A shard as stored. */
public record ShardRow(
        ShardKey key,
        ShardStatus status,
        long rowStart,
        long rowEnd,
        int attempt,
        int maxAttempts,
        String workerId,
        Instant leaseUntil,
        String error) {}
