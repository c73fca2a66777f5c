package io.shardflow.db.shards;

import io.shardflow.core.messaging.ShardCompleted;
import io.shardflow.core.messaging.ShardTask;
import java.util.UUID;

/** Identifies a shard: job, training step (0 for inference), pipeline stage (0 without stages) and index. */
public record ShardKey(UUID jobId, int step, int stage, int shardIndex) {
    public static ShardKey of(ShardTask task) {
        return new ShardKey(task.jobId(), task.step(), task.stage(), task.shardIndex());
    }

    public static ShardKey of(ShardCompleted done) {
        return new ShardKey(done.jobId(), done.step(), done.stage(), done.shardIndex());
    }
}
