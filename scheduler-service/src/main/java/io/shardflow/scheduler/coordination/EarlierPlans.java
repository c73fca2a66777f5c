package io.shardflow.scheduler.coordination;

import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import java.util.List;
import java.util.UUID;

/**
 * Jobs an earlier version planned in a form this one does not continue: a dense PIPELINE training planned before
 * every split trained on pieces kept its stages' state in no pieces, and its stored plan reads back as DATA
 * training. Such a job fails with a reason that says to retry it (a retry plans it anew), rather than run on as
 * something else: when the reconciler finds it, or when a notice of it reaches its coordinator first.
 */
public class EarlierPlans {
    static final String PIPELINE_TRAINING = "this PIPELINE training was planned by an earlier version of Shardflow, "
            + "whose pipeline state this version does not continue; retry the job to train it again from the start";

    private final JobRepository jobs;
    private final JobFailures failures;

    public EarlierPlans(JobRepository jobs, JobFailures failures) {
        this.jobs = jobs;
        this.failures = failures;
    }

    /** Running jobs of such plans, at most {@code limit}. */
    public List<UUID> running(int limit) {
        return jobs.runningOnEarlierPipelineTraining(limit);
    }

    /** Fails {@code job} when an earlier version planned it so; true when it did. Call under the job's lock. */
    public boolean failIfEarlier(JobRow job) {
        if (job.status().isTerminal() || !jobs.plannedAsEarlierPipelineTraining(job.id())) {
            return false;
        }
        failures.fail(job, PIPELINE_TRAINING);
        return true;
    }
}
