package io.shardflow.messaging;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.shards.Rounds;
import io.shardflow.db.shards.ShardKey;

/**
 * Ends a job of one round when that round's last shard is DONE: the round merged once, the job SUCCEEDED and the
 * event published. The scheduler's coordinators call it on a completion notice; a worker that finishes the last shard
 * of a data-parallel inference calls it in its own transaction, so that job needs no notice and no second
 * transaction. Call it with the job locked: whichever caller completes the round merges it, a later or repeated one
 * finds the job no longer RUNNING.
 */
public class OneRoundEnd {
    private final JobRepository jobs;
    private final Rounds rounds;
    private final JobEventPublisher events;

    public OneRoundEnd(JobRepository jobs, Rounds rounds, JobEventPublisher events) {
        this.jobs = jobs;
        this.rounds = rounds;
        this.events = events;
    }

    /** How a round's partials become the job's result. */
    @FunctionalInterface
    public interface Merge {
        void merge(JobRow job, int step, int stage);
    }

    /** Counts {@code key}'s shard as done; when it completed the round, merges it and ends the job. */
    public void shardDone(JobRow job, ShardKey key, Merge merge) {
        var completed = rounds.completed(job, key);
        if (completed.isEmpty() || !jobs.transition(job.id(), JobStatus.RUNNING, JobStatus.AGGREGATING)) {
            return;
        }
        merge.merge(job, key.step(), key.stage());
        var ended = jobs.transitionAndRead(job.id(), JobStatus.AGGREGATING, JobStatus.SUCCEEDED)
                .orElseThrow(() -> new IllegalStateException("job " + job.id() + " left AGGREGATING under its lock"));
        events.publish(ended, "merged " + completed.getAsInt() + " partials");
    }
}
