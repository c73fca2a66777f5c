package io.shardflow.worker.training;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.planning.DataPlanner;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.training.ParameterOptimizer;
import io.shardflow.core.training.TrainingPartial;
import io.shardflow.core.training.TrainingPlan;
import io.shardflow.core.training.TrainingSchedule;
import io.shardflow.core.training.TrainingSpec;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.worker.compute.DenseTraining;
import io.shardflow.worker.lanes.ShardComputation;
import io.shardflow.worker.lanes.ShardInputException;
import java.util.Arrays;
import java.util.UUID;

/**
 * A training shard's work for one round, on its own rows only: the gradients of its part of a global batch
 * (synchronous SGD), a few local optimiser steps on its parts of consecutive batches (local SGD), or the loss and
 * accuracy of the round's parameters on its validation rows.
 */
public class TrainingComputation implements ShardComputation {
    private final JobRepository jobs;
    private final ParameterCache parameters;
    private final SliceCache slices;
    private final DenseTraining training;
    private final TextTraining text;
    private final SplitTraining split;
    private final Cache<UUID, TrainingSchedule> schedules =
            Caffeine.newBuilder().maximumSize(64).build();

    public TrainingComputation(
            JobRepository jobs,
            ParameterCache parameters,
            SliceCache slices,
            DenseTraining training,
            TextTraining text,
            SplitTraining split) {
        this.text = text;
        this.split = split;
        this.jobs = jobs;
        this.parameters = parameters;
        this.slices = slices;
        this.training = training;
    }

    @Override
    public byte[] compute(ShardTask task) {
        JobRow job =
                jobs.find(task.jobId()).orElseThrow(() -> new ShardInputException("job " + task.jobId() + " is gone"));
        if (!(job.planned() instanceof Plan.Training plan)) {
            throw new ShardInputException("job " + job.id() + " is not a training job");
        }
        var trainingPlan = plan.training();
        if (plan instanceof Plan.ModelParallelTraining modelParallel) {
            return split.compute(task, job, modelParallel, rows(task, job, trainingPlan));
        }
        float[][] params = parameters.get(job.id(), task.version());
        if (trainingPlan.architecture() instanceof GptArchitecture gpt) {
            return text.compute(task, job, gpt, params);
        }
        TrainingSpec spec = job.spec().requireTraining();
        var schedule = schedule(job);
        var architecture = (DenseArchitecture) trainingPlan.architecture();
        var slice = slices.get(task, architecture, trainingPlan.scaling());
        return switch (task.kind()) {
            case GRADIENT ->
                gradient(architecture, params, slice, schedule.batch(task.step()), task)
                        .encode();
            case LOCAL_STEPS ->
                localSteps(architecture, params, slice, schedule, spec, task).encode();
            case EVALUATE ->
                evaluate(architecture, params, slice, schedule.validationRows(), task)
                        .encode();
            case INFER, GENERATE, GENERATE_STAGE, SPLIT_FORWARD, SPLIT_LAST, SPLIT_BACKWARD, SPLIT_UPDATE ->
                throw new IllegalArgumentException("not a training task: " + task.kind());
        };
    }

    /** A dense training job's batches and validation rows (a gpt's windows are {@link TextTraining}'s). */
    private TrainingSchedule schedule(JobRow job) {
        var spec = job.spec().requireTraining();
        return schedules.get(
                job.id(),
                id -> new TrainingSchedule(
                        job.planned().rows(), spec.validationSplit(), spec.seed(), spec.batchSize()));
    }

    /** The task's rows for a model-parallel task: windows of a gpt's text, or rows of a dense model's table. */
    private ShardRows rows(ShardTask task, JobRow job, TrainingPlan plan) {
        if (plan.architecture() instanceof GptArchitecture gpt) {
            return text.rows(task, job, gpt);
        }
        var architecture = (DenseArchitecture) plan.architecture();
        var schedule = schedule(job);
        return new ShardRows() {
            @Override
            public ShardRows.Rows rows(int step, boolean evaluation, int microBatch, int microBatches) {
                int[] all = TrainingSchedule.within(
                        evaluation ? schedule.validationRows() : schedule.batch(step), task.rowStart(), task.rowEnd());
                var micro = DataPlanner.split(all.length, microBatches);
                if (all.length == 0 || microBatch >= micro.size()) {
                    return new ShardRows.Table(new ShardSlice.Batch(new float[0], new float[0], 0));
                }
                var range = micro.get(microBatch);
                // the slice is read only by a task with rows, not by an update
                return new ShardRows.Table(slices.get(task, architecture, plan.scaling())
                        .gather(Arrays.copyOfRange(all, (int) range.start(), (int) range.end())));
            }

            @Override
            public int batchSize(int step) {
                return schedule.batch(step).length;
            }
        };
    }

    private TrainingPartial gradient(
            DenseArchitecture architecture, float[][] params, ShardSlice slice, int[] batch, ShardTask task) {
        var batchRows = slice.gather(TrainingSchedule.within(batch, task.rowStart(), task.rowEnd()));
        if (batchRows.rows() == 0) {
            return new TrainingPartial(zerosLike(params), 0, 0, 0);
        }
        var result = training.gradient(architecture, params, batchRows.x(), batchRows.y(), batchRows.rows());
        return new TrainingPartial(result.grads(), result.samples(), result.loss(), result.correct());
    }

    /** H steps of the job's optimiser from the round's parameters; the optimiser's state starts fresh each round. */
    private TrainingPartial localSteps(
            DenseArchitecture architecture,
            float[][] params,
            ShardSlice slice,
            TrainingSchedule schedule,
            TrainingSpec spec,
            ShardTask task) {
        var optimizer = ParameterOptimizer.create(spec);
        long samples = 0;
        double lossSum = 0;
        long correct = 0;
        for (int h = 0; h < task.localSteps(); h++) {
            var batchRows = slice.gather(
                    TrainingSchedule.within(schedule.batch(task.step() + h), task.rowStart(), task.rowEnd()));
            if (batchRows.rows() == 0) {
                continue;
            }
            var result = training.gradient(architecture, params, batchRows.x(), batchRows.y(), batchRows.rows());
            optimizer.step(params, result.grads());
            samples += result.samples();
            lossSum += result.loss() * result.samples();
            correct += result.correct();
        }
        return new TrainingPartial(params, samples, samples == 0 ? 0 : lossSum / samples, correct);
    }

    private TrainingPartial evaluate(
            DenseArchitecture architecture, float[][] params, ShardSlice slice, int[] validation, ShardTask task) {
        var rows = slice.gather(TrainingSchedule.within(validation, task.rowStart(), task.rowEnd()));
        if (rows.rows() == 0) {
            return new TrainingPartial(new float[0][], 0, 0, 0);
        }
        var result = training.evaluate(architecture, params, rows.x(), rows.y(), rows.rows());
        return new TrainingPartial(new float[0][], result.samples(), result.loss(), result.correct());
    }

    private static float[][] zerosLike(float[][] params) {
        var zeros = new float[params.length][];
        for (int i = 0; i < params.length; i++) {
            zeros[i] = new float[params[i].length];
        }
        return zeros;
    }
}
