package io.shardflow.scheduler.admission;

import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.messaging.Topics;
import io.shardflow.core.planning.Plan;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.db.shards.ShardRow;
import io.shardflow.messaging.JobTracing;
import java.util.List;

/**
 * Turns a shard that admission gave to a lane into its task on {@link Topics#SHARD_TASKS}, through the outbox, on
 * the partition that lane reads: the task exists exactly when the shard row says DISPATCHED to that lane. What a
 * task computes comes from the job's plan.
 */
public class LaneTasks {
    private final Outbox outbox;
    private final JobTracing tracing;

    public LaneTasks(Outbox outbox) {
        this(outbox, JobTracing.off());
    }

    /** Each task is sent from a span of its job's trace, which its lane continues. */
    public LaneTasks(Outbox outbox, JobTracing tracing) {
        this.outbox = outbox;
        this.tracing = tracing;
    }

    /** Queues the task of the shard's current attempt, for the lane that holds {@code slot}. */
    public void send(JobRow job, Plan plan, ShardRow shard, int slot) {
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
                plan.layout(key.step(), key.stage(), key.shardIndex()),
                job.tenant());
        try (var span = tracing.inJob("admit shard", job.traceParent())) {
            span.tag("shardflow.shard", task.shardName()).tag("shardflow.lane.slot", Integer.toString(slot));
            outbox.append(Topics.SHARD_TASKS, slot, task.shardKey(), task);
        }
    }
}
