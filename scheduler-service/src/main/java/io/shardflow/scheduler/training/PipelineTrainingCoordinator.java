package io.shardflow.scheduler.training;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.planning.DataPlanner;
import io.shardflow.core.planning.ModelSplit;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.core.training.TrainingPartial;
import io.shardflow.core.training.TrainingProgress;
import io.shardflow.core.training.TrainingSchedule;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.partials.ActivationStore;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.shards.NewShard;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.scheduler.coordination.JobCoordinator;
import io.shardflow.scheduler.dispatch.Dispatcher;
import java.util.ArrayList;
import java.util.List;

/**
 * GPipe training over pipeline stages. A step's global batch is cut into micro-batches; each micro-batch goes
 * forward through the stages (each stage's output is stored and feeds the next), the last stage computes the loss
 * and its backward, and the gradient of each stage's input flows back to the stage before. When every stage has
 * done its backward for every micro-batch, the gradients are summed over micro-batches and the optimiser steps
 * (per stage, which for element-wise optimisers is the same as one step over all parameters).
 */
public class PipelineTrainingCoordinator implements JobCoordinator<Plan.PipelineTraining> {
    private final JobRepository jobs;
    private final ShardRepository shards;
    private final PartialStore partials;
    private final ActivationStore activations;
    private final Dispatcher dispatcher;
    private final TrainingRounds server;

    PipelineTrainingCoordinator(
            JobRepository jobs,
            ShardRepository shards,
            PartialStore partials,
            ActivationStore activations,
            Dispatcher dispatcher,
            TrainingRounds server) {
        this.jobs = jobs;
        this.shards = shards;
        this.partials = partials;
        this.activations = activations;
        this.dispatcher = dispatcher;
        this.server = server;
    }

    @Override
    public int totalShards(JobRow job, Plan.PipelineTraining plan) {
        return plan.dataShards();
    }

    @Override
    public void start(JobRow job, Plan.PipelineTraining plan) {
        jobs.recordTraining(job.id(), TrainingProgress.at(plan.training(), 0), null);
        startStep(job, plan, 0);
    }

    /** Dispatches stage 0 of every micro-batch of step {@code step}. */
    private void startStep(JobRow job, Plan.PipelineTraining plan, int step) {
        var rows = new ArrayList<NewShard>();
        for (int b = 0; b < microBatches(job, plan, step); b++) {
            rows.add(row(job, plan, new ShardKey(job.id(), step, 0, b)));
        }
        dispatcher.startShards(rows);
    }

    @Override
    public void shardDone(JobRow job, Plan.PipelineTraining plan, ShardKey key) {
        var training = plan.training();
        int k = training.stages();
        int step = key.step();
        int stage = key.stage();
        int b = key.shardIndex();
        if (!current(job, plan, key)) {
            return; // a notice of a step the job has moved past
        }
        if (stage == training.evaluateStage()) {
            if (shards.countDone(job.id(), step, stage, 0, 1) == 1
                    && jobs.transition(job.id(), JobStatus.RUNNING, JobStatus.AGGREGATING)) {
                server.roundCompleted(run(job, plan), step, stage);
            }
            return;
        }
        var bytes = partials.readGroup(job.id(), step, stage, b, b + 1);
        if (bytes.isEmpty()) {
            return;
        }
        if (stage < k - 1) {
            // a forward output: the next stage's input
            if (activations.put(job.id(), step, stage, b, bytes.getFirst())) {
                partials.deleteGroup(job.id(), step, stage, b, b + 1);
                dispatcher.continueWith(List.of(row(job, plan, new ShardKey(job.id(), step, stage + 1, b))));
            }
            return;
        }
        int s = stage == k - 1 ? k - 1 : stage - k;
        if (s > 0) {
            // the gradient of this stage's input is the upstream gradient of the stage before
            var partial = TrainingPartial.decode(bytes.getFirst());
            float[] inputGrad = partial.tensors()[partial.tensors().length - 1];
            int width = inputWidth(plan, s);
            var gradient = Tensor.matrix(inputGrad.length / width, width, inputGrad);
            if (activations.put(job.id(), step, k + s, b, TensorCodec.encode(gradient))) {
                dispatcher.continueWith(List.of(row(job, plan, new ShardKey(job.id(), step, k + s - 1, b))));
            }
        }
        finishStepIfComplete(job, plan, step);
    }

    /** Re-drives every finished task whose notice may have been lost. */
    @Override
    public void resume(JobRow job, Plan.PipelineTraining plan) {
        for (var key : shards.done(job.id())) {
            shardDone(job, plan, key);
        }
    }

    /**
     * Whether {@code key} belongs to the step the job is on: its compute tasks run from the parameters of the steps
     * applied so far, its evaluation checks what the last step made.
     */
    private static boolean current(JobRow job, Plan.PipelineTraining plan, ShardKey key) {
        int applied = job.progress() == null ? 0 : job.progress().step();
        var training = plan.training();
        return key.stage() == training.evaluateStage()
                ? training.roundEnd(key.step()) == applied
                : key.step() == applied;
    }

    private void finishStepIfComplete(JobRow job, Plan.PipelineTraining plan, int step) {
        int k = plan.training().stages();
        int micro = microBatches(job, plan, step);
        for (int s = 0; s < k; s++) {
            if (shards.countDone(job.id(), step, plan.backwardKey(s), 0, micro) < micro) {
                return;
            }
        }
        if (!jobs.transition(job.id(), JobStatus.RUNNING, JobStatus.AGGREGATING)) {
            return;
        }
        var run = run(job, plan);
        var state = server.load(run, step, step, true);
        if (state == null) {
            return;
        }
        var split = ModelSplit.pipeline((DenseArchitecture) plan.training().architecture(), k);
        var grads = new float[state.params.length][];
        for (int i = 0; i < grads.length; i++) {
            grads[i] = new float[state.params[i].length];
        }
        long samples = 0;
        double lossSum = 0;
        for (int s = 0; s < k; s++) {
            var partition = split.rounds().get(s).partitions().getFirst();
            int first = partition.slices().getFirst().layer();
            int tensors = 2 * partition.slices().size();
            for (byte[] bytes : partials.readGroup(job.id(), step, plan.backwardKey(s), 0, micro)) {
                var partial = TrainingPartial.decode(bytes);
                for (int i = 0; i < tensors; i++) {
                    float[] g = partial.tensors()[i];
                    float[] sum = grads[2 * first + i];
                    for (int j = 0; j < g.length; j++) {
                        sum[j] += g[j];
                    }
                }
                if (s == k - 1) {
                    samples += partial.samples();
                    lossSum += partial.loss() * partial.samples();
                }
            }
            partials.deleteGroup(job.id(), step, plan.backwardKey(s), 0, micro);
        }
        activations.deleteStep(job.id(), step);
        state.optimizer.step(state.params, grads);
        server.stepped(run, state, step, lossSum / Math.max(1, samples), samples);
    }

    private TrainingRun run(JobRow job, Plan.PipelineTraining plan) {
        return new TrainingRun(job, plan, plan.training(), step -> startStep(job, plan, step));
    }

    /** How many micro-batches step {@code step}'s global batch is cut into (the last batch of an epoch may be short). */
    private static int microBatches(JobRow job, Plan.PipelineTraining plan, int step) {
        var training = plan.training();
        int batch = TrainingSchedule.batchLength(
                training.trainingRows(), job.spec().requireTraining().batchSize(), step);
        return DataPlanner.split(batch, training.microBatches()).size();
    }

    private static int inputWidth(Plan.PipelineTraining plan, int stage) {
        var split = ModelSplit.pipeline(
                (DenseArchitecture) plan.training().architecture(),
                plan.training().stages());
        var first = split.rounds().get(stage).partitions().getFirst().slices().getFirst();
        return first.colEnd() - first.colStart();
    }

    private static NewShard row(JobRow job, Plan.PipelineTraining plan, ShardKey key) {
        return Dispatcher.shard(job, plan, key, plan.shards().getFirst());
    }
}
