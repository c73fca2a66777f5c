package io.shardflow.scheduler.dispatch;

import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.messaging.Topics;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.planning.RowRange;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.db.shards.NewShard;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.shards.ShardRow;
import io.shardflow.messaging.MessagingSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns dispatched shard rows into tasks on {@link Topics#SHARD_TASKS}, through the outbox so a task exists
 * exactly when its shard row says DISPATCHED. What a task computes comes from the job's plan. A job's shards go
 * to consecutive partitions, which lanes consume round-robin, so they spread over lanes instead of queueing behind
 * one another.
 */
public class Dispatcher {
    private final Outbox outbox;
    private final ShardRepository shards;
    private final int partitions;
    private final Duration dispatchLease;
    private final Clock clock;

    public Dispatcher(
            Outbox outbox, ShardRepository shards, MessagingSettings settings, Duration dispatchLease, Clock clock) {
        this.outbox = outbox;
        this.shards = shards;
        this.partitions = settings.partitions();
        this.dispatchLease = dispatchLease;
        this.clock = clock;
    }

    /** A shard of the job over {@code rows}, with the job's attempts. */
    public static NewShard shard(JobRow job, ShardKey key, RowRange rows) {
        return new NewShard(key, rows.start(), rows.end(), job.spec().maxAttempts());
    }

    /** Creates round {@code (step, stage)}, one shard per data shard of the plan, and dispatches it. */
    public int startRound(JobRow job, Plan plan, int step, int stage) {
        var rows = new ArrayList<NewShard>();
        for (int i = 0; i < plan.shards().size(); i++) {
            rows.add(shard(
                    job, new ShardKey(job.id(), step, stage, i), plan.shards().get(i)));
        }
        shards.insertPending(rows);
        var dispatched = shards.dispatchPending(job.id(), step, stage, leaseUntil());
        for (var shard : dispatched) {
            send(job, plan, shard);
        }
        return dispatched.size();
    }

    /** Inserts and dispatches the shards that do not exist yet; a round started twice starts once. */
    public void startShards(JobRow job, Plan plan, List<NewShard> rows) {
        for (var shard : shards.insertAndDispatch(rows, leaseUntil())) {
            send(job, plan, shard);
        }
    }

    /** When a shard dispatched now is given up unless a worker has started it. */
    public Instant leaseUntil() {
        return clock.instant().plus(dispatchLease);
    }

    /** Queues the task of the shard's current attempt. */
    public void send(JobRow job, Plan plan, ShardRow shard) {
        var key = shard.key();
        var spec = job.spec();
        var dataset = spec.dataset();
        var task = new ShardTask(
                job.id(),
                key.step(),
                key.stage(),
                key.shardIndex(),
                shard.attempt(),
                plan.taskKind(key.step(), key.stage()),
                spec.model().id(),
                dataset == null ? null : dataset.id(),
                dataset == null ? List.<String>of() : dataset.features(),
                dataset == null ? null : dataset.label(),
                shard.rowStart(),
                shard.rowEnd(),
                plan.parameterVersion(key.step(), key.stage()),
                plan.localSteps(key.step(), key.stage()),
                plan.layout(key.step(), key.stage(), key.shardIndex()));
        int lane = plan.lane(key.step(), key.stage(), key.shardIndex());
        // a retried attempt moves to the next partition, away from a lane that may be stuck
        int partition = Math.floorMod(job.id().hashCode() + lane + shard.attempt() - 1, partitions);
        outbox.append(Topics.SHARD_TASKS, partition, task.shardKey(), task);
    }
}
