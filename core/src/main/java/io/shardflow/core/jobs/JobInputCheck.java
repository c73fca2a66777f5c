package io.shardflow.core.jobs;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.datasets.DatasetShape;
import io.shardflow.core.generation.Prompts;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.models.Task;
import org.jspecify.annotations.Nullable;

/**
 * Checks a job's inputs against the model and what is stored. Linear and mlp: every feature column exists and
 * the model takes that many; for training, the label column exists and the model's outputs fit it. Gpt: a text
 * dataset or prompts shorter than the context, and generation settings for inference.
 */
public final class JobInputCheck {
    private JobInputCheck() {}

    /** {@code dataset} is null when the job brings its input inline. */
    public static void check(
            JobSpec spec, ModelArchitecture architecture, String modelName, @Nullable DatasetShape dataset) {
        switch (architecture) {
            case GptArchitecture gpt -> gpt(spec, gpt, modelName, dataset);
            case DenseArchitecture dense -> dense(spec, dense, modelName, dataset);
        }
    }

    private static void gpt(JobSpec spec, GptArchitecture gpt, String modelName, @Nullable DatasetShape dataset) {
        if (dataset != null && !dataset.format().text()) {
            throw new InvalidSpecException(
                    "dataset.id",
                    "model " + modelName + " is a gpt and reads text datasets; '" + dataset.name() + "' is "
                            + dataset.format());
        }
        var ref = spec.dataset();
        InvalidSpecException.require(
                ref == null || ref.features().isEmpty(),
                "dataset.features",
                "a gpt reads raw text and takes no feature columns");
        InvalidSpecException.require(
                ref == null || ref.label() == null,
                "dataset.label",
                "a gpt learns to predict the next byte and takes no label column");
        if (spec.type() == JobType.TRAINING) {
            return;
        }
        var input = spec.input();
        InvalidSpecException.require(
                input == null || input.prompts() != null,
                "input.rows",
                "model " + modelName + " is a gpt and takes prompts, not rows");
        InvalidSpecException.require(
                spec.generation() != null,
                "generation",
                "is required to run a gpt model (maxTokens, and temperature, topK, seed, stop as needed)");
        if (input == null || input.prompts() == null) {
            return;
        }
        Prompts.checkLengths(input.prompts(), gpt.context(), "input.prompts", modelName);
    }

    private static void dense(
            JobSpec spec, DenseArchitecture architecture, String modelName, @Nullable DatasetShape dataset) {
        InvalidSpecException.require(
                spec.generation() == null,
                "generation",
                "only a gpt model generates; model " + modelName + " is " + ModelArchitecture.kindOf(architecture));
        int inputs = architecture.inputs();
        var ref = spec.dataset();
        if (dataset == null || ref == null) {
            var input = spec.input();
            InvalidSpecException.require(input != null, "input", "is required without a dataset");
            InvalidSpecException.require(
                    input.rows() != null,
                    "input.prompts",
                    "model " + modelName + " is " + ModelArchitecture.kindOf(architecture) + " and takes rows of "
                            + inputs + " numbers, not prompts");
            InvalidSpecException.require(
                    input.rows().getFirst().length == inputs,
                    "input.rows[0]",
                    "model " + modelName + " takes " + inputs + " inputs, the row has "
                            + input.rows().getFirst().length);
            return;
        }
        if (dataset.format().text()) {
            throw new InvalidSpecException(
                    "dataset.id",
                    "dataset '" + dataset.name()
                            + "' is text; linear and mlp models take csv or jsonl datasets of numbers");
        }
        var features = ref.features();
        InvalidSpecException.require(
                !features.isEmpty(), "dataset.features", "names the input columns and may not be empty");
        for (int i = 0; i < features.size(); i++) {
            if (dataset.columnIndex(features.get(i)) < 0) {
                throw new InvalidSpecException(
                        "dataset.features[" + i + "]",
                        "dataset '" + dataset.name() + "' has no column '" + features.get(i) + "' (columns: "
                                + String.join(", ", dataset.columns()) + ")");
            }
        }
        if (features.size() != inputs) {
            throw new InvalidSpecException(
                    "dataset.features",
                    "model " + modelName + " takes " + inputs + " inputs, " + features.size()
                            + " feature columns were given");
        }
        String label = ref.label();
        if (spec.type() != JobType.TRAINING) {
            return;
        }
        InvalidSpecException.require(
                label != null, "dataset.label", "names the column to learn and is required for training");
        if (dataset.columnIndex(label) < 0) {
            throw new InvalidSpecException(
                    "dataset.label",
                    "dataset '" + dataset.name() + "' has no column '" + label + "' (columns: "
                            + String.join(", ", dataset.columns()) + ")");
        }
        if (architecture.task() == Task.REGRESSION && architecture.outputs() != 1) {
            throw new InvalidSpecException(
                    "model.architecture",
                    "a regression on one label column needs 1 output, the model has " + architecture.outputs()
                            + " (for classes, set \"task\":\"classification\")");
        }
    }
}
