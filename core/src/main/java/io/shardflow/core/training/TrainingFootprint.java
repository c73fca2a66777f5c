package io.shardflow.core.training;

import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.planning.ModelSplit;
import java.util.List;
import java.util.Locale;

/**
 * What one lane holds for one task of a training job, in bytes, as the planner counts it against a worker's
 * {@code max-model-bytes}: the parameters the task reads, their gradients, the optimiser state it updates (Adam: two
 * moments, SGD with momentum: one buffer, plain SGD: none) and the activations autograd keeps for its rows (each value
 * of the forward pass and its gradient, float32). An estimate from the shapes: the engine's own workspace and the
 * JVM are not counted.
 */
public record TrainingFootprint(long parameters, long gradients, long optimizer, long activations) {
    private static final long FLOAT = Float.BYTES;

    public long total() {
        return parameters + gradients + optimizer + activations;
    }

    /** The larger of the two by total. */
    public TrainingFootprint max(TrainingFootprint other) {
        return other.total() > total() ? other : this;
    }

    /** "parameters 1.2 MB + gradients 1.2 MB + optimiser state 2.4 MB + activations 26.2 MB = 31.0 MB". */
    public String describe() {
        return "parameters " + size(parameters) + " + gradients " + size(gradients) + " + optimiser state "
                + size(optimizer) + " + activations " + size(activations) + " = " + size(total());
    }

    /** Copies of the parameters the optimiser keeps. */
    public static int optimizerCopies(TrainingSpec training) {
        return switch (training.optimizer()) {
            case ADAM -> 2;
            case SGD -> training.momentum() != null && training.momentum() > 0 ? 1 : 0;
        };
    }

    /**
     * A data-parallel shard: the whole model and its gradients for {@code rows} rows (windows, for a gpt); the
     * optimiser's state stays with the scheduler, which applies it.
     */
    public static TrainingFootprint whole(ModelArchitecture architecture, int rows) {
        long bytes = architecture.parameterBytes();
        long activations = switch (architecture) {
            case DenseArchitecture dense -> denseValues(dense.widths());
            case GptArchitecture gpt ->
                (long) gpt.context()
                        * (embedValues(gpt)
                                + gpt.layers() * blockValues(gpt, gpt.heads(), 4L * gpt.dModel())
                                + headValues(gpt));
        };
        return new TrainingFootprint(bytes, bytes, 0, 2 * FLOAT * rows * activations);
    }

    /**
     * The largest task of a model-parallel step: a part's forward and backward on {@code rows} rows (its
     * parameters, their gradients, its activations), or an update group's optimiser step (its pieces, their summed
     * gradients, their optimiser state).
     */
    public static TrainingFootprint split(
            TrainingProgram program, ModelArchitecture architecture, int rows, int optimizerCopies) {
        var largest = new TrainingFootprint(0, 0, 0, 0);
        for (var round : program.rounds()) {
            for (var part : round.parts()) {
                long activations = 2 * FLOAT * rows * values(architecture, part.op());
                largest = largest.max(new TrainingFootprint(part.bytes(), part.bytes(), 0, activations));
            }
        }
        for (int g = 0; g < program.groups(); g++) {
            long bytes = program.groupBytes(g);
            largest = largest.max(new TrainingFootprint(bytes, bytes, optimizerCopies * bytes, 0));
        }
        return largest;
    }

    /** Values a part's forward keeps per row. */
    private static long values(ModelArchitecture architecture, PartOp op) {
        return switch (op) {
            case PartOp.Dense d -> {
                var slices = d.slices();
                long values = slices.getFirst().colEnd() - slices.getFirst().colStart();
                for (ModelSplit.Slice slice : slices) {
                    values += 2L * slice.outputs();
                }
                yield values;
            }
            case PartOp.DenseLoss l -> 2L * ((DenseArchitecture) architecture).outputs();
            case PartOp.GptEmbed e -> {
                var gpt = (GptArchitecture) architecture;
                yield (long) gpt.context() * embedValues(gpt);
            }
            case PartOp.GptStage s -> {
                var gpt = (GptArchitecture) architecture;
                long perPosition = (s.toBlock() - s.fromBlock()) * blockValues(gpt, gpt.heads(), 4L * gpt.dModel());
                yield (long) gpt.context()
                        * (perPosition + (s.embed() ? embedValues(gpt) : 0) + (s.head() ? headValues(gpt) : 0));
            }
            case PartOp.GptAttention a -> {
                var gpt = (GptArchitecture) architecture;
                int heads = a.toHead() - a.fromHead();
                // input, LayerNorm, output; this part's queries, keys, values and attended values; its scores
                yield (long) gpt.context()
                        * (3L * gpt.dModel() + 4L * heads * gpt.headSize() + 2L * heads * gpt.context());
            }
            case PartOp.GptMlp m -> {
                var gpt = (GptArchitecture) architecture;
                // input, LayerNorm, output; this part's hidden units before and after the GELU
                yield (long) gpt.context() * (3L * gpt.dModel() + 2L * (m.to() - m.from()));
            }
            case PartOp.GptHead h -> {
                var gpt = (GptArchitecture) architecture;
                yield (long) gpt.context() * headValues(gpt);
            }
        };
    }

    /** A dense model's inputs, and each layer's pre-activation and activation. */
    private static long denseValues(List<Integer> widths) {
        long values = widths.getFirst();
        for (int w : widths.subList(1, widths.size())) {
            values += 2L * w;
        }
        return values;
    }

    /** Per position: the token and position embeddings and their sum. */
    private static long embedValues(GptArchitecture gpt) {
        return 3L * gpt.dModel();
    }

    /**
     * Per position, one block of {@code heads} heads and {@code hidden} MLP units: the residual stream, both
     * LayerNorms and projections, queries, keys, values and attended values, the scores and their softmax, the MLP's
     * units before and after the GELU.
     */
    private static long blockValues(GptArchitecture gpt, int heads, long hidden) {
        return 6L * gpt.dModel() + 4L * heads * gpt.headSize() + 2L * heads * gpt.context() + 2 * hidden;
    }

    /** Per position: the final LayerNorm, the logits and their log-softmax. */
    private static long headValues(GptArchitecture gpt) {
        return 2L * gpt.dModel() + 2L * GptArchitecture.VOCABULARY;
    }

    private static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double kib = bytes / 1024.0;
        return kib < 1024
                ? String.format(Locale.ROOT, "%.1f KiB", kib)
                : String.format(Locale.ROOT, "%.1f MiB", kib / 1024);
    }
}
