package io.shardflow.api.jobs;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.models.Task;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.datasets.DatasetRow;
import org.springframework.stereotype.Component;

/** A classifier learns integer class labels {@code 0..classes-1}; anything else in the label column is refused. */
@Component
public class LabelCheck {
    private static final int WINDOW = 65_536;
    private final DatasetRepository datasets;

    public LabelCheck(DatasetRepository datasets) {
        this.datasets = datasets;
    }

    public void checkClasses(DatasetRow dataset, String label, int classes) {
        int[] column = {dataset.columnIndex(label)};
        datasets.forEachWindow(dataset, column, 0, dataset.rows(), WINDOW, (from, to, values) -> {
            for (int i = 0; i < values.length; i++) {
                float v = values[i];
                if (!Task.isClassLabel(v, classes)) {
                    throw new InvalidSpecException(
                            "dataset.label",
                            "row " + (from + i + 1) + " of column '" + label + "' is " + v
                                    + ", not an integer class in 0.." + (classes - 1));
                }
            }
        });
    }
}
