package io.shardflow.worker.lanes;

import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.core.training.FeatureScaling;
import io.shardflow.core.training.Preprocessing;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.datasets.DatasetRow;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.models.ModelRow;
import io.shardflow.worker.WorkerSettings;
import io.shardflow.worker.compute.DenseModel;
import io.shardflow.worker.compute.ModelCache;
import io.shardflow.worker.compute.ModelEvictedException;

/**
 * Data-parallel inference: the shard's rows, a window of {@code batch-rows} at a time, through the cached model,
 * after the model's own feature scaling when it was trained with one.
 */
public class InferenceComputation implements ShardComputation {
    private final WorkerSettings settings;
    private final ModelRepository models;
    private final DatasetRepository datasets;
    private final ModelCache modelCache;

    public InferenceComputation(WorkerSettings settings, ModelRepository models, DatasetRepository datasets,
                                ModelCache modelCache) {
        this.settings = settings;
        this.models = models;
        this.datasets = datasets;
        this.modelCache = modelCache;
    }

    @Override
    public byte[] compute(ShardTask task) {
        ModelRow model = models.find(task.modelId())
            .orElseThrow(() -> new ShardInputException("model " + task.modelId() + " does not exist"));
        DatasetRow dataset = datasets.find(task.datasetId())
            .orElseThrow(() -> new ShardInputException("dataset " + task.datasetId() + " does not exist"));
        int[] columns = Columns.indexes(dataset, task.features());
        if (columns.length != model.architecture().inputs()) {
            throw new ShardInputException("model takes " + model.architecture().inputs() + " inputs but "
                + columns.length + " feature columns were given");
        }
        if (task.rowEnd() > dataset.rows()) {
            throw new ShardInputException("rows [" + task.rowStart() + ", " + task.rowEnd() + ") lie outside the dataset's "
                + dataset.rows() + " rows");
        }
        FeatureScaling scaling = Preprocessing.scalingIn(model.preprocessing());
        int rows = Math.toIntExact(task.rowEnd() - task.rowStart());
        int outputs = model.architecture().outputs();
        var out = new float[Math.multiplyExact(rows, outputs)];
        datasets.forEachWindow(dataset, columns, task.rowStart(), task.rowEnd(), settings.batchRows(), (from, to, input) -> {
            if (scaling != null) {
                scaling.apply(input);
            }
            float[] y = forward(model, input, (int) (to - from));
            System.arraycopy(y, 0, out, (int) (from - task.rowStart()) * outputs, y.length);
        });
        return TensorCodec.encode(Tensor.matrix(rows, outputs, out));
    }

    private float[] forward(ModelRow model, float[] input, int rows) {
        for (int tries = 0; ; tries++) {
            DenseModel loaded = modelCache.get(model);
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
