package io.shardflow.scheduler.inference;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.planning.Plan;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.messaging.JobEventPublisher;
import io.shardflow.scheduler.coordination.JobCoordinator;
import io.shardflow.scheduler.coordination.Rounds;
import io.shardflow.scheduler.dispatch.Dispatcher;

/**
 * Data-parallel inference: one round of data shards; when every one is DONE their outputs, in shard order, are the
 * result's rows. They stay where the workers stored them and the result names their round: nothing is copied.
 */
public class DataInferenceCoordinator implements JobCoordinator<Plan.DataInference> {
    private final JobRepository jobs;
    private final Rounds rounds;
    private final Dispatcher dispatcher;
    private final ResultStore results;
    private final JobEventPublisher events;

    public DataInferenceCoordinator(
            JobRepository jobs, Rounds rounds, Dispatcher dispatcher, ResultStore results, JobEventPublisher events) {
        this.jobs = jobs;
        this.rounds = rounds;
        this.dispatcher = dispatcher;
        this.results = results;
        this.events = events;
    }

    @Override
    public int totalShards(JobRow job, Plan.DataInference plan) {
        return plan.dataShards();
    }

    @Override
    public void start(JobRow job, Plan.DataInference plan) {
        dispatcher.startRound(job, plan, 0, 0);
    }

    @Override
    public void shardDone(JobRow job, Plan.DataInference plan, ShardKey key) {
        var completed = rounds.completed(job, key);
        if (completed.isEmpty() || !jobs.transition(job.id(), JobStatus.RUNNING, JobStatus.AGGREGATING)) {
            return;
        }
        results.putRound(job.id(), key.step(), key.stage());
        jobs.transition(job.id(), JobStatus.AGGREGATING, JobStatus.SUCCEEDED);
        events.publish(jobs.find(job.id()).orElseThrow(), "merged " + completed.getAsInt() + " partials");
    }

    @Override
    public void resume(JobRow job, Plan.DataInference plan) {
        rounds.latest(job).ifPresent(key -> shardDone(job, plan, key));
    }
}
