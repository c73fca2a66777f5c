package io.shardflow.db.jobs;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.db.datasets.DatasetRow;
import io.shardflow.db.models.ModelRow;
import java.util.List;

/** Checks a job's inputs against what is stored: every feature column exists and the model takes that many. */
public final class JobInputCheck {
    private JobInputCheck() {
    }

    public static void check(ModelRow model, DatasetRow dataset, List<String> features) {
        for (int i = 0; i < features.size(); i++) {
            if (dataset.columnIndex(features.get(i)) < 0) {
                throw new InvalidSpecException("dataset.features[" + i + "]", "dataset '" + dataset.name()
                    + "' has no column '" + features.get(i) + "' (columns: " + String.join(", ", dataset.columns()) + ")");
            }
        }
        int inputs = model.architecture().inputs();
        if (features.size() != inputs) {
            throw new InvalidSpecException("dataset.features", "model '" + model.name() + "' takes " + inputs
                + " inputs, " + features.size() + " feature columns were given");
        }
    }
}
