package io.shardflow.scheduler.inference;

import io.shardflow.core.planning.Plan;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.shards.Rounds;
import io.shardflow.messaging.OneRoundEnd;
import io.shardflow.scheduler.coordination.OneRoundCoordinator;
import io.shardflow.scheduler.dispatch.Dispatcher;

/**
 * Data-parallel inference: one round of data shards; when every one is DONE their outputs, in shard order, are the
 * result's rows. They stay where the workers stored them and the result names their round: nothing is copied.
 */
public class DataInferenceCoordinator extends OneRoundCoordinator<Plan.DataInference> {
    private final ResultStore results;

    public DataInferenceCoordinator(
            JobRepository jobs, Rounds rounds, Dispatcher dispatcher, ResultStore results, OneRoundEnd end) {
        super(jobs, rounds, dispatcher, end);
        this.results = results;
    }

    @Override
    protected void merge(JobRow job, int step, int stage) {
        results.putRound(job.id(), step, stage);
    }
}
