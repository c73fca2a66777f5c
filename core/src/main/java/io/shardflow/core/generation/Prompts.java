package io.shardflow.core.generation;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.datasets.DatasetShape;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.ModelArchitecture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The prompts of a generation job: inline, or one per non-empty line of a text dataset, read whole by the caller's
 * {@code text} (only once the dataset's size has been checked).
 */
public final class Prompts {
    /** A prompt file is read at once by the planner and the workers, so it stays modest. */
    public static final long MAX_DATASET_BYTES = 16L << 20;

    private Prompts() {}

    public static List<String> of(JobSpec spec, @Nullable DatasetShape dataset, Supplier<byte[]> text) {
        var input = spec.input();
        if (input != null) {
            var prompts = input.prompts();
            if (prompts == null) {
                throw new InvalidSpecException(
                        "input.prompts", "is required to generate (rows are for linear and mlp models)");
            }
            return prompts;
        }
        if (dataset == null) {
            throw new InvalidSpecException("dataset", "is required (or inline prompts)");
        }
        InvalidSpecException.require(
                dataset.rows() <= MAX_DATASET_BYTES,
                "dataset.id",
                "a prompt dataset is read whole " + "and may hold at most " + MAX_DATASET_BYTES + " bytes; '"
                        + dataset.name() + "' has " + dataset.rows());
        var prompts = lines(new String(text.get(), StandardCharsets.UTF_8));
        InvalidSpecException.require(
                !prompts.isEmpty(), "dataset.id", "dataset '" + dataset.name() + "' holds no prompt lines");
        return prompts;
    }

    /**
     * How many rows an inference job runs on: its inline inputs, the prompt lines of a gpt's dataset (each checked
     * against the context, so a long one is refused naming its line), or the dataset's rows.
     */
    public static long inferenceRows(
            JobSpec spec,
            ModelArchitecture architecture,
            String modelName,
            @Nullable DatasetShape dataset,
            Supplier<byte[]> text) {
        if (spec.input() != null) {
            return spec.input().size();
        }
        if (dataset == null) {
            throw new InvalidSpecException("dataset", "is required (or inline input)");
        }
        if (architecture instanceof GptArchitecture gpt) {
            var prompts = of(spec, dataset, text);
            checkLengths(prompts, gpt.context(), "dataset.prompts", modelName);
            return prompts.size();
        }
        return dataset.rows();
    }

    /** Non-empty lines, without their line ends. */
    static List<String> lines(String text) {
        var prompts = new ArrayList<String>();
        for (String line : text.split("\n", -1)) {
            String prompt = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
            if (!prompt.isEmpty()) {
                prompts.add(prompt);
            }
        }
        return prompts;
    }

    /** A 400 naming the first prompt that does not leave room in the context. */
    public static void checkLengths(List<String> prompts, int context, String field, String modelName) {
        for (int i = 0; i < prompts.size(); i++) {
            int bytes = prompts.get(i).getBytes(StandardCharsets.UTF_8).length;
            InvalidSpecException.require(
                    bytes < context,
                    field + "[" + i + "]",
                    "is " + bytes + " bytes; model " + modelName + " has a context of " + context
                            + " bytes and a prompt must be shorter");
        }
    }
}
