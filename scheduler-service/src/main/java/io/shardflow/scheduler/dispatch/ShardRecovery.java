package io.shardflow.scheduler.dispatch;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.db.events.JobEventLog;
import io.shardflow.db.events.JobEventPublisher;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.shards.ShardRow;
import io.shardflow.scheduler.SchedulerSettings;
import java.time.Instant;

/**
 * What happens to a shard attempt that did not finish, whether it failed on a worker or lost its worker: another
 * attempt while attempts remain and a retry can help, else the job fails with the shard's reason.
 */
public class ShardRecovery {
    private final JobRepository jobs;
    private final ShardRepository shards;
    private final Dispatcher dispatcher;
    private final JobEventPublisher events;
    private final JobEventLog timeline;
    private final SchedulerSettings settings;

    public ShardRecovery(
            JobRepository jobs,
            ShardRepository shards,
            Dispatcher dispatcher,
            JobEventPublisher events,
            JobEventLog timeline,
            SchedulerSettings settings) {
        this.jobs = jobs;
        this.shards = shards;
        this.dispatcher = dispatcher;
        this.events = events;
        this.timeline = timeline;
        this.settings = settings;
    }

    /** Call in a transaction. {@code shard} is the attempt that ended; a stale attempt was filtered out before. */
    public void attemptEnded(JobRow job, ShardRow shard, String reason, boolean retryable) {
        var key = shard.key();
        if (retryable && shard.attempt() < shard.maxAttempts()) {
            shards.redispatch(key, shard.attempt(), reason, Instant.now().plus(settings.dispatchLease()))
                    .ifPresent(next -> {
                        dispatcher.send(job, job.parsedPlan(), next);
                        timeline.append(
                                job.id(),
                                "io.shardflow.shard.retried",
                                "shard " + key.shardIndex() + " attempt " + shard.attempt() + " ended (" + reason
                                        + "); attempt " + next.attempt() + " dispatched");
                    });
            return;
        }
        if (shards.fail(key, shard.attempt(), reason)) {
            String error = "shard " + key.shardIndex() + " (rows " + shard.rowStart() + ".." + shard.rowEnd()
                    + ") failed" + (retryable ? " after " + shard.attempt() + " attempts" : "") + ": " + reason;
            failJob(job, error);
        }
    }

    public void failJob(JobRow job, String error) {
        if (jobs.finishUnlessTerminal(job.id(), JobStatus.FAILED, error)) {
            shards.abandonUnfinished(job.id(), "job failed");
            events.publish(jobs.find(job.id()).orElseThrow(), null);
        }
    }
}
