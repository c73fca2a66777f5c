package io.shardflow.scheduler.inference;

import io.shardflow.core.planning.Plan;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.messaging.JobEventPublisher;
import io.shardflow.scheduler.coordination.OneRoundCoordinator;
import io.shardflow.scheduler.coordination.Rounds;
import io.shardflow.scheduler.dispatch.Dispatcher;

/**
 * Data-parallel inference: one round of data shards; when every one is DONE their outputs, in shard order, are the
 * result's rows. They stay where the workers stored them and the result names their round: nothing is copied.
 */
public class DataInferenceCoordinator extends OneRoundCoordinator<Plan.DataInference> {
    private final ResultStore results;

    public DataInferenceCoordinator(
            JobRepository jobs, Rounds rounds, Dispatcher dispatcher, ResultStore results, JobEventPublisher events) {
        super(jobs, rounds, dispatcher, events);
        this.results = results;
    }

    @Override
    protected void merge(JobRow job, int step, int stage) {
        results.putRound(job.id(), step, stage);
    }
}
