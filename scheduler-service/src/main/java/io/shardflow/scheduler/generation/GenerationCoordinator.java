package io.shardflow.scheduler.generation;

import io.shardflow.core.generation.GenerationResult;
import io.shardflow.core.planning.Plan;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.shards.Rounds;
import io.shardflow.messaging.OneRoundEnd;
import io.shardflow.scheduler.coordination.OneRoundCoordinator;
import io.shardflow.scheduler.dispatch.Dispatcher;

/**
 * Generation over data shards of the prompts: each worker completes its shard's prompts (batched with whatever
 * else it generates); when every shard is DONE their completions, in shard order, are the result.
 */
public class GenerationCoordinator extends OneRoundCoordinator<Plan.Generation> {
    private final PartialStore partials;
    private final ResultStore results;

    public GenerationCoordinator(
            JobRepository jobs,
            Rounds rounds,
            Dispatcher dispatcher,
            PartialStore partials,
            ResultStore results,
            OneRoundEnd end) {
        super(jobs, rounds, dispatcher, end);
        this.partials = partials;
        this.results = results;
    }

    @Override
    protected void merge(JobRow job, int step, int stage) {
        var stored = partials.readRound(job.id(), step, stage);
        var completions = stored.stream().map(GenerationResult::decode).toList();
        results.put(job.id(), GenerationResult.concat(completions).encode());
        partials.deleteRound(job.id(), step, stage);
    }
}
