package io.shardflow.scheduler.inference;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.planning.DataPlanner;
import io.shardflow.core.planning.ModelSplit;
import io.shardflow.core.planning.ParallelPlanner;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.planning.RowRange;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.partials.ActivationStore;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.shards.NewShard;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.messaging.JobEventPublisher;
import io.shardflow.scheduler.coordination.JobCoordinator;
import io.shardflow.scheduler.dispatch.Dispatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * Model-parallel inference. TENSOR: for each data shard, round p runs one task per model shard; when all are DONE
 * their outputs are summed (or concatenated) into the data shard's input of round p + 1. PIPELINE: each data
 * shard's rows are cut into micro-batches; stage s of micro-batch b is dispatched as soon as stage s - 1 of b is
 * merged, so stages of different micro-batches run at once on different lanes. Every step is idempotent: a merge
 * is stored once, a next round inserted once.
 */
public class ModelParallelCoordinator implements JobCoordinator<Plan.ModelParallelInference> {
    private final JobRepository jobs;
    private final ShardRepository shards;
    private final PartialStore partials;
    private final ActivationStore activations;
    private final ResultStore results;
    private final ModelRepository models;
    private final Dispatcher dispatcher;
    private final JobEventPublisher events;

    public ModelParallelCoordinator(
            JobRepository jobs,
            ShardRepository shards,
            PartialStore partials,
            ActivationStore activations,
            ResultStore results,
            ModelRepository models,
            Dispatcher dispatcher,
            JobEventPublisher events) {
        this.jobs = jobs;
        this.shards = shards;
        this.partials = partials;
        this.activations = activations;
        this.results = results;
        this.models = models;
        this.dispatcher = dispatcher;
        this.events = events;
    }

    @Override
    public int totalShards(JobRow job, Plan.ModelParallelInference plan) {
        int rounds = split(job, plan).rounds().size();
        if (plan.tensor()) {
            return plan.dataShards() * plan.model().modelShards() * rounds;
        }
        int micro = 0;
        for (var range : plan.shards()) {
            micro += microBatches(plan, range).size();
        }
        return micro * rounds;
    }

    /** Dispatches the first round: every model shard of every data shard, or stage 0 of every micro-batch. */
    @Override
    public void start(JobRow job, Plan.ModelParallelInference plan) {
        var rows = new ArrayList<NewShard>();
        for (int d = 0; d < plan.shards().size(); d++) {
            var range = plan.shards().get(d);
            if (plan.tensor()) {
                int k = plan.model().modelShards();
                for (int j = 0; j < k; j++) {
                    rows.add(Dispatcher.shard(job, plan, new ShardKey(job.id(), 0, 0, d * k + j), range));
                }
            } else {
                var micro = microBatches(plan, range);
                for (int b = 0; b < micro.size(); b++) {
                    rows.add(Dispatcher.shard(job, plan, new ShardKey(job.id(), b, 0, d), micro.get(b)));
                }
            }
        }
        dispatcher.startShards(rows);
    }

    /** A shard finished: merge its group if complete, start what it unblocks, finish the job at the end. */
    @Override
    public void shardDone(JobRow job, Plan.ModelParallelInference plan, ShardKey key) {
        var split = split(job, plan);
        var layout = plan.layout(key.step(), key.stage(), key.shardIndex());
        var round = split.rounds().get(layout.modelRound());
        int from = plan.tensor() ? layout.dataShard() * round.shards() : layout.dataShard();
        int to = plan.tensor() ? from + round.shards() : from + 1;
        jobs.recordProgress(job.id(), shards.countDone(job.id()));
        if (shards.countDone(job.id(), key.step(), key.stage(), from, to) < to - from) {
            return;
        }
        var parts = new ArrayList<Tensor>();
        for (byte[] bytes : partials.readGroup(job.id(), key.step(), key.stage(), from, to)) {
            parts.add(TensorCodec.decode(bytes));
        }
        if (parts.size() < to - from) {
            return; // merged already by an earlier notice
        }
        var merged = switch (round.merge()) {
            case SUM -> TensorCodec.sum(parts);
            case CONCAT -> TensorCodec.concatColumns(parts);
            case PASS -> parts.getFirst();
        };
        if (!activations.put(job.id(), key.step(), key.stage(), layout.dataShard(), TensorCodec.encode(merged))) {
            return;
        }
        partials.deleteGroup(job.id(), key.step(), key.stage(), from, to);
        int next = layout.modelRound() + 1;
        if (next < split.rounds().size()) {
            var shard = shards.find(key).orElseThrow();
            var range = new RowRange(shard.rowStart(), shard.rowEnd());
            var rows = new ArrayList<NewShard>();
            if (plan.tensor()) {
                for (int j = 0; j < round.shards(); j++) {
                    rows.add(Dispatcher.shard(job, plan, new ShardKey(job.id(), next, 0, from + j), range));
                }
            } else {
                rows.add(Dispatcher.shard(
                        job, plan, new ShardKey(job.id(), key.step(), next, layout.dataShard()), range));
            }
            dispatcher.continueWith(rows);
            return;
        }
        finishIfComplete(job, plan, split);
    }

    /** Re-drives every finished shard: what a lost notice left undone gets done. */
    @Override
    public void resume(JobRow job, Plan.ModelParallelInference plan) {
        for (var key : shards.done(job.id())) {
            shardDone(job, plan, key);
        }
    }

    private void finishIfComplete(JobRow job, Plan.ModelParallelInference plan, ModelSplit split) {
        int last = split.rounds().size() - 1;
        var finals = plan.tensor() ? activations.ofStage(job.id(), 0, last) : activations.ofStage(job.id(), last, -1);
        int expected = plan.tensor()
                ? plan.shards().size()
                : totalShards(job, plan) / split.rounds().size();
        if (finals.size() < expected || !jobs.transition(job.id(), JobStatus.RUNNING, JobStatus.AGGREGATING)) {
            return;
        }
        var parts = new ArrayList<Tensor>();
        for (byte[] bytes : finals) {
            parts.add(TensorCodec.decode(bytes));
        }
        results.put(job.id(), TensorCodec.encode(TensorCodec.concatRows(parts)));
        activations.deleteAll(job.id());
        // every shard is DONE by now; an earlier count may have raced a shard that finished meanwhile
        jobs.recordProgress(job.id(), shards.countDone(job.id()));
        jobs.transition(job.id(), JobStatus.AGGREGATING, JobStatus.SUCCEEDED);
        events.publish(
                jobs.find(job.id()).orElseThrow(),
                "merged " + parts.size() + " outputs of " + split.rounds().size() + " model-parallel rounds");
    }

    private ModelSplit split(JobRow job, Plan.ModelParallelInference plan) {
        var model = models.find(job.spec().requireModelId()).orElseThrow();
        return ParallelPlanner.split(plan, (DenseArchitecture) model.architecture());
    }

    /** The micro-batches of a data shard's rows, as absolute row ranges. */
    static List<RowRange> microBatches(Plan.ModelParallelInference plan, RowRange range) {
        var micro = new ArrayList<RowRange>();
        for (var r : DataPlanner.split(range.size(), plan.model().microBatches())) {
            micro.add(new RowRange(range.start() + r.start(), range.start() + r.end()));
        }
        return micro;
    }
}
