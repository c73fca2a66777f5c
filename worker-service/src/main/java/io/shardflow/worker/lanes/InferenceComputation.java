package io.shardflow.worker.lanes;

import io.shardflow.core.jobs.JobInput;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.planning.ModelSplit;
import io.shardflow.core.planning.ParallelPlanner;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.planning.ShardLayout;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.core.training.FeatureScaling;
import io.shardflow.core.training.Preprocessing;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.datasets.DatasetRow;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.models.ModelRow;
import io.shardflow.db.partials.ActivationStore;
import io.shardflow.worker.WorkerSettings;
import io.shardflow.worker.compute.DenseModel;
import io.shardflow.worker.compute.ModelCache;
import io.shardflow.worker.compute.ModelEvictedException;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Inference on one shard: the shard's rows (from the dataset, after the model's feature scaling, or the previous
 * round's merged output) a window of {@code batch-rows} at a time through the shard's partition of the model:
 * the whole model for DATA, a tensor slice or a pipeline stage otherwise.
 */
public class InferenceComputation implements ShardComputation {
    private final WorkerSettings settings;
    private final JobRepository jobs;
    private final ModelRepository models;
    private final DatasetRepository datasets;
    private final ActivationStore activations;
    private final ModelCache modelCache;
    private final LaneYield yield;

    public InferenceComputation(
            WorkerSettings settings,
            JobRepository jobs,
            ModelRepository models,
            DatasetRepository datasets,
            ActivationStore activations,
            ModelCache modelCache,
            LaneYield yield) {
        this.settings = settings;
        this.jobs = jobs;
        this.models = models;
        this.datasets = datasets;
        this.activations = activations;
        this.modelCache = modelCache;
        this.yield = yield;
    }

    @Override
    public byte[] compute(ShardTask task) {
        return compute(task, false).output();
    }

    /**
     * A data-parallel shard over dataset rows stops part-way when its lane is wanted ({@link LaneYield}): the rest of
     * its rows is independent of what it did.
     */
    @Override
    public Computed computeSlice(ShardTask task) {
        return compute(task, true);
    }

    private Computed compute(ShardTask task, boolean mayYield) {
        var job =
                jobs.find(task.jobId()).orElseThrow(() -> new ShardInputException("job " + task.jobId() + " is gone"));
        var modelId = task.requireModelId();
        ModelRow model =
                models.find(modelId).orElseThrow(() -> new ShardInputException("model " + modelId + " does not exist"));
        ShardLayout layout = task.layout();
        var architecture = (DenseArchitecture) model.architecture();
        var split = ParallelPlanner.split(job.planned(), architecture);
        var round = split.rounds().get(layout.modelRound());
        var partition = round.partitions().get(layout.modelShard());
        int rows = Math.toIntExact(task.rowEnd() - task.rowStart());
        int outputs = partition.outputs();
        var out = new float[Math.multiplyExact(rows, outputs)];
        var inline = job.spec().input();
        long end = task.rowEnd();
        if (layout.readsDataset() && inline != null) {
            fromInput(inlineRows(inline), task, model, round, partition, out, outputs);
        } else if (layout.readsDataset()) {
            var slice = mayYield && job.planned() instanceof Plan.DataInference ? yield.start(task) : null;
            end = fromDataset(task, model, architecture, round, partition, out, outputs, slice);
        } else {
            var input = TensorCodec.decode(activations
                    .get(task.jobId(), layout.inputStep(), layout.inputStage(), layout.dataShard())
                    .orElseThrow(() -> new IllegalStateException("the input of " + task.shardKey() + " is missing")));
            int width = input.shape()[1];
            for (int from = 0; from < rows; from += settings.batchRows()) {
                int to = Math.min(rows, from + settings.batchRows());
                var window = Arrays.copyOfRange(input.data(), from * width, to * width);
                float[] y = forward(model, round, partition, window, to - from);
                System.arraycopy(y, 0, out, from * outputs, y.length);
            }
        }
        int done = Math.toIntExact(end - task.rowStart());
        var output = done == rows ? out : Arrays.copyOf(out, Math.multiplyExact(done, outputs));
        return new Computed(TensorCodec.encode(Tensor.matrix(done, outputs, output)), end);
    }

    private static List<float[]> inlineRows(JobInput input) {
        var rows = input.rows();
        if (rows == null) {
            throw new ShardInputException("a linear or mlp model takes feature rows, not prompts");
        }
        return rows;
    }

    /** Rows sent inline with the job (the synchronous predict path), scaled like dataset rows. */
    private void fromInput(
            List<float[]> rows,
            ShardTask task,
            ModelRow model,
            ModelSplit.Round round,
            ModelSplit.Partition partition,
            float[] out,
            int outputs) {
        FeatureScaling scaling = Preprocessing.scalingOf(model.preprocessing());
        int start = (int) task.rowStart();
        int width = rows.getFirst().length;
        for (int from = start; from < task.rowEnd(); from += settings.batchRows()) {
            int to = (int) Math.min(task.rowEnd(), from + settings.batchRows());
            var window = new float[(to - from) * width];
            for (int r = from; r < to; r++) {
                System.arraycopy(rows.get(r), 0, window, (r - from) * width, width);
            }
            if (scaling != null) {
                scaling.apply(window);
            }
            float[] y = forward(model, round, partition, window, to - from);
            System.arraycopy(y, 0, out, (from - start) * outputs, y.length);
        }
    }

    /** Returns the row it stopped before: the task's end, or earlier when {@code slice} yielded the lane. */
    private long fromDataset(
            ShardTask task,
            ModelRow model,
            DenseArchitecture architecture,
            ModelSplit.Round round,
            ModelSplit.Partition partition,
            float[] out,
            int outputs,
            LaneYield.@Nullable Slice slice) {
        var datasetId = task.requireDatasetId();
        DatasetRow dataset = datasets.find(datasetId)
                .orElseThrow(() -> new ShardInputException("dataset " + datasetId + " does not exist"));
        int[] columns = Columns.indexes(dataset, task.features());
        if (columns.length != architecture.inputs()) {
            throw new ShardInputException("model takes " + architecture.inputs() + " inputs but " + columns.length
                    + " feature columns were given");
        }
        if (task.rowEnd() > dataset.rows()) {
            throw new ShardInputException("rows [" + task.rowStart() + ", " + task.rowEnd()
                    + ") lie outside the dataset's " + dataset.rows() + " rows");
        }
        FeatureScaling scaling = Preprocessing.scalingOf(model.preprocessing());
        IntSupplier windowRows = slice == null ? settings::batchRows : () -> slice.windowRows(settings.batchRows());
        return datasets.forEachWindowWhile(
                dataset, columns, task.rowStart(), task.rowEnd(), windowRows, (from, to, input) -> {
                    if (scaling != null) {
                        scaling.apply(input);
                    }
                    float[] y = forward(model, round, partition, input, (int) (to - from));
                    System.arraycopy(y, 0, out, (int) (from - task.rowStart()) * outputs, y.length);
                    if (slice == null) {
                        return true;
                    }
                    slice.windowDone(to - from);
                    return to == task.rowEnd() || !slice.yields();
                });
    }

    private float[] forward(
            ModelRow model, ModelSplit.Round round, ModelSplit.Partition partition, float[] input, int rows) {
        for (int tries = 0; ; tries++) {
            DenseModel loaded = modelCache.get(model, round, partition);
            try {
                return loaded.forward(input, rows);
            } catch (ModelEvictedException e) {
                if (tries >= 2) {
                    throw e;
                }
            }
        }
    }
}
