package io.shardflow.db.shards;

/** A shard to create: its key, its rows, and how many attempts it gets. */
public record NewShard(ShardKey key, long rowStart, long rowEnd, int maxAttempts) {}
