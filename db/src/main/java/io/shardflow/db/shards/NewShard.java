package io.shardflow.db.shards;

/**
 * A shard to create: its key, its rows, how many attempts it gets, the parameter bytes a lane must be able to hold
 * to run it, and whether it occupies a lane while it runs (a generation task joins its worker's batch instead).
 */
public record NewShard(ShardKey key, long rowStart, long rowEnd, int maxAttempts, long needBytes, boolean takesLane) {

    /** A shard any lane can run, occupying it. */
    public NewShard(ShardKey key, long rowStart, long rowEnd, int maxAttempts) {
        this(key, rowStart, rowEnd, maxAttempts, 0, true);
    }
}
