package io.shardflow.worker.lanes;

import io.shardflow.db.datasets.DatasetRow;
import java.util.List;

/** Column names to indexes, with a clear error for a column the dataset lacks. */
public final class Columns {
    private Columns() {}

    public static int[] indexes(DatasetRow dataset, List<String> names) {
        var indexes = new int[names.size()];
        for (int i = 0; i < indexes.length; i++) {
            indexes[i] = dataset.columnIndex(names.get(i));
            if (indexes[i] < 0) {
                throw new ShardInputException("dataset '" + dataset.name() + "' has no column '" + names.get(i)
                        + "' (columns: " + String.join(", ", dataset.columns()) + ")");
            }
        }
        return indexes;
    }
}
