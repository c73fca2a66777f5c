package io.shardflow.scheduler.coordination;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.messaging.JobEventPublisher;

/** Ends a job as FAILED with a reason: its unfinished shards are abandoned and the failure is published. */
public class JobFailures {
    private final JobRepository jobs;
    private final ShardRepository shards;
    private final JobEventPublisher events;

    public JobFailures(JobRepository jobs, ShardRepository shards, JobEventPublisher events) {
        this.jobs = jobs;
        this.shards = shards;
        this.events = events;
    }

    /** False when the job had ended already. Call in a transaction. */
    public boolean fail(JobRow job, String error) {
        if (!jobs.finishUnlessTerminal(job.id(), JobStatus.FAILED, error)) {
            return false;
        }
        shards.abandonUnfinished(job.id(), "job failed");
        events.publish(jobs.find(job.id()).orElseThrow(), null);
        return true;
    }
}
