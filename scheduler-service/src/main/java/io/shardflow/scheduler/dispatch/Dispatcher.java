package io.shardflow.scheduler.dispatch;

import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.messaging.Topics;
import io.shardflow.db.messaging.MessagingSettings;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.db.shards.ShardRow;
import java.util.UUID;

/**
 * Turns dispatched shard rows into tasks on {@link Topics#SHARD_TASKS}, through the outbox so a task exists
 * exactly when its shard row says DISPATCHED. A job's shards go to consecutive partitions, which lanes consume
 * round-robin, so they spread over lanes instead of queueing behind one another.
 */
public class Dispatcher {
    private final Outbox outbox;
    private final int partitions;

    public Dispatcher(Outbox outbox, MessagingSettings settings) {
        this.outbox = outbox;
        this.partitions = settings.partitions();
    }

    public void send(UUID jobId, JobSpec spec, ShardRow shard) {
        var key = shard.key();
        var task = new ShardTask(jobId, key.step(), key.stage(), key.shardIndex(), shard.attempt(), spec.model().id(),
            spec.dataset().id(), spec.dataset().features(), shard.rowStart(), shard.rowEnd());
        int partition = Math.floorMod(jobId.hashCode() + key.shardIndex() + shard.attempt() - 1, partitions);
        outbox.append(Topics.SHARD_TASKS, partition, task.shardKey(), task);
    }
}
