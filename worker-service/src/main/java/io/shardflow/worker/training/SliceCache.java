package io.shardflow.worker.training;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.Task;
import io.shardflow.core.training.FeatureScaling;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.worker.lanes.Columns;
import io.shardflow.worker.lanes.ShardInputException;
import java.util.ArrayList;
import org.jspecify.annotations.Nullable;

/**
 * Training shards' rows, read once per worker and kept while the job runs: every step of a training job reads
 * the same slice. Bounded by bytes; a slice that was dropped is simply read again.
 */
public class SliceCache {
    private final DatasetRepository datasets;
    private final int windowRows;
    private final Cache<String, ShardSlice> cache;

    public SliceCache(DatasetRepository datasets, int windowRows, long maxBytes) {
        this.datasets = datasets;
        this.windowRows = windowRows;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((String key, ShardSlice slice) -> (int) Math.min(Integer.MAX_VALUE, slice.bytes()))
                .build();
    }

    ShardSlice get(ShardTask task, DenseArchitecture architecture, @Nullable FeatureScaling scaling) {
        return cache.get(
                task.jobId() + "/" + task.rowStart() + "/" + task.rowEnd(), k -> load(task, architecture, scaling));
    }

    private ShardSlice load(ShardTask task, DenseArchitecture architecture, @Nullable FeatureScaling scaling) {
        var datasetId = task.requireDatasetId();
        var dataset = datasets.find(datasetId)
                .orElseThrow(() -> new ShardInputException("dataset " + datasetId + " does not exist"));
        var label = task.label();
        if (label == null) {
            throw new ShardInputException("task " + task.shardKey() + " names no label column to train on");
        }
        var names = new ArrayList<>(task.features());
        names.add(label);
        int[] columns = Columns.indexes(dataset, names);
        int features = task.features().size();
        int rows = Math.toIntExact(task.rowEnd() - task.rowStart());
        var x = new float[Math.multiplyExact(rows, features)];
        var y = new float[rows];
        datasets.forEachWindow(dataset, columns, task.rowStart(), task.rowEnd(), windowRows, (from, to, window) -> {
            for (int r = 0; r < to - from; r++) {
                int row = (int) (from - task.rowStart()) + r;
                System.arraycopy(window, r * columns.length, x, row * features, features);
                y[row] = window[r * columns.length + features];
            }
        });
        checkLabels(architecture, y, task.rowStart(), label);
        if (scaling != null) {
            scaling.apply(x);
        }
        return new ShardSlice(task.rowStart(), rows, features, x, y);
    }

    private static void checkLabels(DenseArchitecture architecture, float[] y, long start, String label) {
        if (architecture.task() != Task.CLASSIFICATION) {
            return;
        }
        for (int i = 0; i < y.length; i++) {
            float v = y[i];
            if (!Task.isClassLabel(v, architecture.outputs())) {
                throw new ShardInputException("row " + (start + i) + ": label '" + label + "' is " + v
                        + ", not a class in 0.." + (architecture.outputs() - 1));
            }
        }
    }
}
