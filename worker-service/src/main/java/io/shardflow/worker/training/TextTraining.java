package io.shardflow.worker.training;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.ModelParameters;
import io.shardflow.core.planning.DataPlanner;
import io.shardflow.core.training.ParameterOptimizer;
import io.shardflow.core.training.TextSchedule;
import io.shardflow.core.training.TrainingPartial;
import io.shardflow.core.training.TrainingSpec;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.worker.compute.ComputeEngine;
import io.shardflow.worker.compute.GptNetwork;
import io.shardflow.worker.lanes.ShardInputException;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;

/**
 * A gpt training shard's round on its own byte range of a text dataset: the gradients of the windows of the
 * global batch that start in its range (synchronous SGD), a few local optimiser steps (local SGD), or the loss
 * on its validation windows. The shard's bytes (its range plus one window's overlap) are read once and kept.
 */
public class TextTraining {
    private final DatasetRepository datasets;
    private final ComputeEngine engine;
    private final Cache<String, byte[]> texts;
    private final Cache<UUID, TextSchedule> schedules =
            Caffeine.newBuilder().maximumSize(64).build();

    public TextTraining(DatasetRepository datasets, ComputeEngine engine, long cacheBytes) {
        this.datasets = datasets;
        this.engine = engine;
        this.texts = Caffeine.newBuilder()
                .maximumWeight(cacheBytes)
                .weigher((String key, byte[] bytes) -> bytes.length)
                .build();
    }

    /** The task's windows as a model-parallel task reads them: its data shard's part, micro-batch by micro-batch. */
    ShardRows rows(ShardTask task, JobRow job, GptArchitecture architecture) {
        var schedule = schedule(job, architecture);
        return new ShardRows() {
            @Override
            public ShardRows.Rows rows(int step, boolean evaluation, int microBatch, int microBatches) {
                long[] starts = TextSchedule.within(
                        evaluation ? schedule.validationWindows() : schedule.batch(step),
                        task.rowStart(),
                        task.rowEnd());
                var micro = DataPlanner.split(starts.length, microBatches);
                if (starts.length == 0 || microBatch >= micro.size()) {
                    return new ShardRows.Text(new int[0][]);
                }
                var range = micro.get(microBatch);
                return new ShardRows.Text(windows(
                        text(task, job, schedule),
                        task.rowStart(),
                        Arrays.copyOfRange(starts, (int) range.start(), (int) range.end()),
                        schedule.window()));
            }

            @Override
            public int batchSize(int step) {
                return schedule.batch(step).length;
            }
        };
    }

    private TextSchedule schedule(JobRow job, GptArchitecture architecture) {
        var spec = job.spec().requireTraining();
        return schedules.get(
                job.id(),
                id -> new TextSchedule(
                        job.planned().rows(),
                        spec.validationSplit(),
                        spec.seed(),
                        spec.batchSize(),
                        architecture.context()));
    }

    /** The shard's bytes: its range and one window's overlap past it, read once and kept. */
    private byte[] text(ShardTask task, JobRow job, TextSchedule schedule) {
        long end = Math.min(job.planned().rows(), task.rowEnd() + schedule.window() - 1);
        return texts.get(job.id() + "/" + task.rowStart(), k -> read(task, task.rowStart(), end));
    }

    public byte[] compute(ShardTask task, JobRow job, GptArchitecture architecture, float[][] params) {
        var spec = job.spec().requireTraining();
        var schedule = schedule(job, architecture);
        byte[] text = text(task, job, schedule);
        var shapes = architecture.parameterShapes();
        return switch (task.kind()) {
            case GRADIENT -> {
                var windows = windows(
                        text,
                        task.rowStart(),
                        TextSchedule.within(schedule.batch(task.step()), task.rowStart(), task.rowEnd()),
                        schedule.window());
                if (windows.length == 0) {
                    yield new TrainingPartial(zerosLike(params), 0, 0, 0).encode();
                }
                try (var network = network(architecture, shapes, params)) {
                    var result = network.gradient(windows);
                    requireFinite(result, shapes);
                    yield new TrainingPartial(result.grads(), windows.length, result.loss(), 0).encode();
                }
            }
            case LOCAL_STEPS ->
                localSteps(task, architecture, shapes, params, text, schedule, spec)
                        .encode();
            case EVALUATE -> {
                var windows = windows(
                        text,
                        task.rowStart(),
                        TextSchedule.within(schedule.validationWindows(), task.rowStart(), task.rowEnd()),
                        schedule.window());
                if (windows.length == 0) {
                    yield new TrainingPartial(new float[0][], 0, 0, 0).encode();
                }
                try (var network = network(architecture, shapes, params)) {
                    yield new TrainingPartial(new float[0][], windows.length, network.loss(windows), 0).encode();
                }
            }
            default ->
                throw new IllegalArgumentException(
                        "a gpt trains with DATA parallelism; not a task for it: " + task.kind());
        };
    }

    private TrainingPartial localSteps(
            ShardTask task,
            GptArchitecture architecture,
            Map<String, int[]> shapes,
            float[][] params,
            byte[] text,
            TextSchedule schedule,
            TrainingSpec spec) {
        var optimizer = ParameterOptimizer.create(spec);
        long samples = 0;
        double lossSum = 0;
        for (int h = 0; h < task.localSteps(); h++) {
            var windows = windows(
                    text,
                    task.rowStart(),
                    TextSchedule.within(schedule.batch(task.step() + h), task.rowStart(), task.rowEnd()),
                    schedule.window());
            if (windows.length == 0) {
                continue;
            }
            try (var network = network(architecture, shapes, params)) {
                var result = network.gradient(windows);
                requireFinite(result, shapes);
                optimizer.step(params, result.grads());
                samples += windows.length;
                lossSum += result.loss() * windows.length;
            }
        }
        return new TrainingPartial(params, samples, samples == 0 ? 0 : lossSum / samples, 0);
    }

    /**
     * A gradient with a NaN or an infinity while its loss is finite is not the model diverging (the scheduler
     * sees that from the loss): the attempt fails as retryable and runs again rather than poisoning the step.
     */
    private static void requireFinite(GptNetwork.Gradient result, Map<String, int[]> shapes) {
        int i = 0;
        for (String name : shapes.keySet()) {
            for (float v : result.grads()[i]) {
                if (!Float.isFinite(v)) {
                    throw new IllegalStateException("the gradient of " + name + " holds " + v + " while the loss is "
                            + result.loss() + " over " + result.windows() + " windows");
                }
            }
            i++;
        }
    }

    private GptNetwork network(GptArchitecture architecture, Map<String, int[]> shapes, float[][] params) {
        return new GptNetwork(
                engine.engine(), engine.device(), architecture, ModelParameters.fromShapes(shapes, params));
    }

    private byte[] read(ShardTask task, long start, long end) {
        var datasetId = task.requireDatasetId();
        var dataset = datasets.find(datasetId)
                .orElseThrow(() -> new ShardInputException("dataset " + datasetId + " does not exist"));
        return datasets.readBytes(dataset, start, end);
    }

    /** The windows starting at {@code starts}, from the shard's bytes that begin at {@code offset}. */
    private static int[][] windows(byte[] text, long offset, long[] starts, int window) {
        var windows = new int[starts.length][window];
        for (int w = 0; w < starts.length; w++) {
            int from = (int) (starts[w] - offset);
            for (int i = 0; i < window; i++) {
                windows[w][i] = text[from + i] & 0xFF;
            }
        }
        return windows;
    }

    private static float[][] zerosLike(float[][] params) {
        var zeros = new float[params.length][];
        for (int i = 0; i < params.length; i++) {
            zeros[i] = new float[params[i].length];
        }
        return zeros;
    }
}
