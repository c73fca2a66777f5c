package io.shardflow.db.jobs;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.models.Task;
import io.shardflow.db.datasets.DatasetRow;
import java.util.List;

/**
 * Checks a job's inputs against what is stored: every feature column exists and the model takes that many; for
 * training, the label column exists and the model's outputs fit it.
 */
public final class JobInputCheck {
    private JobInputCheck() {
    }

    public static void check(ModelArchitecture architecture, String modelName, DatasetRow dataset, List<String> features,
                             String label) {
        if ("text".equals(dataset.format())) {
            throw new InvalidSpecException("dataset.id", "dataset '" + dataset.name()
                + "' is text; linear and mlp models take csv or jsonl datasets of numbers");
        }
        for (int i = 0; i < features.size(); i++) {
            if (dataset.columnIndex(features.get(i)) < 0) {
                throw new InvalidSpecException("dataset.features[" + i + "]", "dataset '" + dataset.name()
                    + "' has no column '" + features.get(i) + "' (columns: " + String.join(", ", dataset.columns()) + ")");
            }
        }
        int inputs = architecture.inputs();
        if (features.size() != inputs) {
            throw new InvalidSpecException("dataset.features", "model " + modelName + " takes " + inputs
                + " inputs, " + features.size() + " feature columns were given");
        }
        if (label == null) {
            return;
        }
        if (dataset.columnIndex(label) < 0) {
            throw new InvalidSpecException("dataset.label", "dataset '" + dataset.name() + "' has no column '" + label
                + "' (columns: " + String.join(", ", dataset.columns()) + ")");
        }
        if (architecture.task() == Task.REGRESSION && architecture.outputs() != 1) {
            throw new InvalidSpecException("model.architecture", "a regression on one label column needs 1 output, the model has "
                + architecture.outputs() + " (for classes, set \"task\":\"classification\")");
        }
    }
}
