package io.shardflow.scheduler.coordination;

import io.shardflow.core.planning.Plan;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.shards.ShardKey;

/**
 * Drives the jobs of one kind of plan from their first round to their end. Every method runs in the caller's
 * transaction with the job's row locked ({@link io.shardflow.db.jobs.JobRepository#lock}), and keeps nothing
 * between calls: what a job has done is in its rows, so any scheduler process may take any notice of any job, in
 * any order, any number of times, and a scheduler that dies is replaced without losing anything.
 *
 * <p>A shard's failed attempt is handled alike for every kind ({@link io.shardflow.scheduler.dispatch.ShardRecovery}:
 * another attempt while they last, else the job fails with the shard's reason), so it is not part of this interface.
 *
 * @param <P> the kind of plan
 */
public interface JobCoordinator<P extends Plan> {

    /** The tasks the plan runs in all, as the job's shard total; an upper bound when the job may stop early. */
    int totalShards(JobRow job, P plan);

    /** Dispatches the first round of a job that has just moved to RUNNING with this plan. */
    void start(JobRow job, P plan);

    /**
     * A shard's attempt succeeded and its partial is durable: merge what it completes, dispatch what it unblocks,
     * finish the job after its last round. A notice that is late or repeated changes nothing.
     */
    void shardDone(JobRow job, P plan, ShardKey key);

    /**
     * Does what the notices of the job's DONE shards would have done, for a job whose notices were lost or whose
     * scheduler died while handling one.
     */
    void resume(JobRow job, P plan);
}
