package io.shardflow.scheduler.generation;

import io.shardflow.core.generation.GenerationResult;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.planning.Plan;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.messaging.JobEventPublisher;
import io.shardflow.scheduler.coordination.JobCoordinator;
import io.shardflow.scheduler.coordination.Rounds;
import io.shardflow.scheduler.dispatch.Dispatcher;

/**
 * Generation over data shards of the prompts: each worker completes its shard's prompts (batched with whatever
 * else it generates); when every shard is DONE their completions, in shard order, are the result.
 */
public class GenerationCoordinator implements JobCoordinator<Plan.Generation> {
    private final JobRepository jobs;
    private final Rounds rounds;
    private final Dispatcher dispatcher;
    private final PartialStore partials;
    private final ResultStore results;
    private final JobEventPublisher events;

    public GenerationCoordinator(
            JobRepository jobs,
            Rounds rounds,
            Dispatcher dispatcher,
            PartialStore partials,
            ResultStore results,
            JobEventPublisher events) {
        this.jobs = jobs;
        this.rounds = rounds;
        this.dispatcher = dispatcher;
        this.partials = partials;
        this.results = results;
        this.events = events;
    }

    @Override
    public int totalShards(JobRow job, Plan.Generation plan) {
        return plan.dataShards();
    }

    @Override
    public void start(JobRow job, Plan.Generation plan) {
        dispatcher.startRound(job, plan, 0, 0);
    }

    @Override
    public void shardDone(JobRow job, Plan.Generation plan, ShardKey key) {
        var completed = rounds.completed(job, key);
        if (completed.isEmpty() || !jobs.transition(job.id(), JobStatus.RUNNING, JobStatus.AGGREGATING)) {
            return;
        }
        var stored = partials.readRound(job.id(), key.step(), key.stage());
        results.put(
                job.id(),
                GenerationResult.concat(
                                stored.stream().map(GenerationResult::decode).toList())
                        .encode());
        partials.deleteRound(job.id(), key.step(), key.stage());
        jobs.transition(job.id(), JobStatus.AGGREGATING, JobStatus.SUCCEEDED);
        events.publish(jobs.find(job.id()).orElseThrow(), "merged " + completed.getAsInt() + " partials");
    }

    @Override
    public void resume(JobRow job, Plan.Generation plan) {
        rounds.latest(job).ifPresent(key -> shardDone(job, plan, key));
    }
}
