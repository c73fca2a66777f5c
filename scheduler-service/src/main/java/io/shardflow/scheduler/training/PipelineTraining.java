package io.shardflow.scheduler.training;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.planning.DataPlanner;
import io.shardflow.core.planning.ModelSplit;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.core.training.TrainingPartial;
import io.shardflow.core.training.TrainingSchedule;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.partials.ActivationStore;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.shards.ShardRow;
import io.shardflow.scheduler.dispatch.Dispatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GPipe training over pipeline stages. A step's global batch is cut into micro-batches; each micro-batch goes
 * forward through the stages (each stage's output is stored and feeds the next), the last stage computes the loss
 * and its backward, and the gradient of each stage's input flows back to the stage before. When every stage has
 * done its backward for every micro-batch, the gradients are summed over micro-batches and the optimiser steps
 * (per stage, which for element-wise optimisers is the same as one step over all parameters).
 */
final class PipelineTraining {
    private final TrainingCoordinator coordinator;
    private final JobRepository jobs;
    private final ShardRepository shards;
    private final PartialStore partials;
    private final ActivationStore activations;
    private final Dispatcher dispatcher;
    private final Map<UUID, TrainingSchedule> schedules = new ConcurrentHashMap<>();

    PipelineTraining(
            TrainingCoordinator coordinator,
            JobRepository jobs,
            ShardRepository shards,
            PartialStore partials,
            ActivationStore activations,
            Dispatcher dispatcher) {
        this.coordinator = coordinator;
        this.jobs = jobs;
        this.shards = shards;
        this.partials = partials;
        this.activations = activations;
        this.dispatcher = dispatcher;
    }

    /** Dispatches stage 0 of every micro-batch of step {@code step}. */
    void start(JobRow job, Plan plan, int step) {
        var rows = new ArrayList<ShardRow>();
        for (int b = 0; b < microBatches(job, plan, step); b++) {
            rows.add(row(job, plan, new ShardKey(job.id(), step, 0, b)));
        }
        dispatcher.startShards(job, plan, rows);
    }

    void taskDone(JobRow job, ShardKey key) {
        var plan = job.parsedPlan();
        var training = plan.training();
        int k = training.stages();
        int step = key.step();
        int stage = key.stage();
        int b = key.shardIndex();
        if (stage == training.evaluateStage()) {
            if (shards.countDone(job.id(), step, stage, 0, 1) == 1
                    && jobs.transition(job.id(), JobStatus.RUNNING, JobStatus.AGGREGATING)) {
                coordinator.roundCompleted(job, step, stage);
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
                dispatcher.startShards(job, plan, List.of(row(job, plan, new ShardKey(job.id(), step, stage + 1, b))));
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
                dispatcher.startShards(job, plan, List.of(row(job, plan, new ShardKey(job.id(), step, k + s - 1, b))));
            }
        }
        finishStepIfComplete(job, plan, step);
    }

    private void finishStepIfComplete(JobRow job, Plan plan, int step) {
        int k = plan.training().stages();
        int micro = microBatches(job, plan, step);
        for (int s = 0; s < k; s++) {
            if (shards.countDone(job.id(), step, backwardKey(k, s), 0, micro) < micro) {
                return;
            }
        }
        if (!jobs.transition(job.id(), JobStatus.RUNNING, JobStatus.AGGREGATING)) {
            return;
        }
        var state = coordinator.current(job, plan, step, step, true);
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
            int first = split.rounds()
                    .get(s)
                    .partitions()
                    .getFirst()
                    .slices()
                    .getFirst()
                    .layer();
            int tensors =
                    2 * split.rounds().get(s).partitions().getFirst().slices().size();
            for (byte[] bytes : partials.readGroup(job.id(), step, backwardKey(k, s), 0, micro)) {
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
            partials.deleteGroup(job.id(), step, backwardKey(k, s), 0, micro);
        }
        activations.deleteStep(job.id(), step);
        state.optimizer.step(state.params, grads);
        coordinator.stepped(job, plan, state, step, lossSum / Math.max(1, samples), samples);
    }

    /** The stage key of stage {@code s}'s backward: the last stage's combined task, or {@code k + s}. */
    static int backwardKey(int k, int s) {
        return s == k - 1 ? k - 1 : k + s;
    }

    private int microBatches(JobRow job, Plan plan, int step) {
        var spec = job.spec().training();
        var schedule = schedules.computeIfAbsent(
                job.id(),
                id -> new TrainingSchedule(plan.rows(), spec.validationSplit(), spec.seed(), spec.batchSize()));
        return DataPlanner.split(schedule.batch(step).length, plan.training().microBatches())
                .size();
    }

    private static int inputWidth(Plan plan, int stage) {
        var split = ModelSplit.pipeline(
                (DenseArchitecture) plan.training().architecture(),
                plan.training().stages());
        var first = split.rounds().get(stage).partitions().getFirst().slices().getFirst();
        return first.colEnd() - first.colStart();
    }

    private static ShardRow row(JobRow job, Plan plan, ShardKey key) {
        var range = plan.shards().getFirst();
        return new ShardRow(key, null, range.start(), range.end(), 1, job.spec().maxAttempts(), null, null, null);
    }

    void forget(UUID jobId) {
        schedules.remove(jobId);
    }
}
