package io.shardflow.scheduler.dispatch;

import io.shardflow.core.jobs.JobType;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.messaging.TaskKind;
import io.shardflow.core.messaging.Topics;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.planning.ShardLayout;
import io.shardflow.core.planning.Strategy;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.messaging.MessagingSettings;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.shards.ShardRow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;

/**
 * Turns dispatched shard rows into tasks on {@link Topics#SHARD_TASKS}, through the outbox so a task exists
 * exactly when its shard row says DISPATCHED. A job's shards go to consecutive partitions, which lanes consume
 * round-robin, so they spread over lanes instead of queueing behind one another.
 */
public class Dispatcher {
    private final Outbox outbox;
    private final ShardRepository shards;
    private final int partitions;
    private final Duration dispatchLease;

    public Dispatcher(Outbox outbox, ShardRepository shards, MessagingSettings settings, Duration dispatchLease) {
        this.outbox = outbox;
        this.shards = shards;
        this.partitions = settings.partitions();
        this.dispatchLease = dispatchLease;
    }

    /** Creates the round's shards, one per data shard of the plan, and dispatches them. Call in a transaction. */
    public int startRound(JobRow job, Plan plan, int step, int stage) {
        var rows = new ArrayList<ShardRow>();
        for (int i = 0; i < plan.shards().size(); i++) {
            var range = plan.shards().get(i);
            rows.add(new ShardRow(
                    new ShardKey(job.id(), step, stage, i),
                    null,
                    range.start(),
                    range.end(),
                    1,
                    job.spec().maxAttempts(),
                    null,
                    null,
                    null));
        }
        shards.insertPending(rows);
        var dispatched =
                shards.dispatchPending(job.id(), step, stage, Instant.now().plus(dispatchLease));
        for (var shard : dispatched) {
            send(job, plan, shard);
        }
        return dispatched.size();
    }

    /** Inserts and dispatches the shards that do not exist yet; a round started twice starts once. */
    public void startShards(JobRow job, Plan plan, java.util.List<ShardRow> rows) {
        for (var shard : shards.insertAndDispatch(rows, Instant.now().plus(dispatchLease))) {
            send(job, plan, shard);
        }
    }

    public void send(JobRow job, Plan plan, ShardRow shard) {
        var key = shard.key();
        var spec = job.spec();
        var task = new ShardTask(
                job.id(),
                key.step(),
                key.stage(),
                key.shardIndex(),
                shard.attempt(),
                kind(job, plan, key),
                spec.model().id(),
                spec.dataset() == null ? null : spec.dataset().id(),
                spec.dataset() == null ? java.util.List.of() : spec.dataset().features(),
                spec.dataset() == null ? null : spec.dataset().label(),
                shard.rowStart(),
                shard.rowEnd(),
                version(plan, key),
                localSteps(plan, key),
                ShardLayout.of(plan, key.step(), key.stage(), key.shardIndex()));
        // a model shard keeps to the same partition (and so the same lane and its cached partition) round after round
        int partition = Math.floorMod(
                job.id().hashCode()
                        + key.shardIndex()
                        + shard.attempt()
                        - 1
                        + (plan.splitsModel() && plan.model().strategy() == Strategy.PIPELINE
                                ? key.stage() * plan.dataShards()
                                : 0),
                partitions);
        outbox.append(Topics.SHARD_TASKS, partition, task.shardKey(), task);
    }

    private static TaskKind kind(JobRow job, Plan plan, ShardKey key) {
        if (job.type() == JobType.INFERENCE) {
            if (plan.generation()) {
                return plan.splitsModel() ? TaskKind.GENERATE_STAGE : TaskKind.GENERATE;
            }
            return TaskKind.INFER;
        }
        var training = plan.training();
        if (key.stage() == training.evaluateStage()) {
            return TaskKind.EVALUATE;
        }
        if (training.pipelined()) {
            int k = training.stages();
            return key.stage() < k - 1
                    ? TaskKind.PIPE_FORWARD
                    : key.stage() == k - 1 ? TaskKind.PIPE_LAST : TaskKind.PIPE_BACKWARD;
        }
        return training.syncEvery() == 1 ? TaskKind.GRADIENT : TaskKind.LOCAL_STEPS;
    }

    /** Gradient rounds read the parameters before their first step; evaluation reads them after the round. */
    private static int version(Plan plan, ShardKey key) {
        if (plan.training() == null) {
            return 0;
        }
        return key.stage() == plan.training().evaluateStage() ? plan.training().roundEnd(key.step()) : key.step();
    }

    private static int localSteps(Plan plan, ShardKey key) {
        return plan.training() == null ? 0 : plan.training().roundEnd(key.step()) - key.step();
    }
}
