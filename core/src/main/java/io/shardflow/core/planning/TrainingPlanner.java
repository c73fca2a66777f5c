package io.shardflow.core.planning;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.training.TrainingFootprint;
import io.shardflow.core.training.TrainingProgram;
import io.shardflow.core.training.TrainingSpec;
import java.util.List;

/**
 * Chooses how a training job is split, from what one lane must hold for it ({@link TrainingFootprint}: parameters,
 * gradients, optimiser state and activations) against the workers' {@code max-model-bytes}. A pure function, shared
 * by the scheduler and the plan preview.
 *
 * <p>DATA trains the whole model on each data shard. TENSOR, PIPELINE and HYBRID split it ({@link TrainingProgram}).
 * AUTO keeps the model whole when its footprint fits, else takes the fewest model shards that fit, PIPELINE before
 * TENSOR at each count (a step runs fewer rounds), as many data shards beside them as the lanes hold copies of the
 * split (HYBRID), and the fewest micro-batches that bring the activations within the cap. A job whose footprint fits
 * no split, or whose chosen split does not fit, fails here with the sizes.
 */
public final class TrainingPlanner {
    /** The most model shards AUTO tries. */
    static final int MAX_AUTO_SHARDS = 64;

    private TrainingPlanner() {}

    /** The split: its data shards' row ranges, and how the model is split (DATA: whole) with what a lane holds. */
    public record Layout(List<RowRange> shards, Plan.ModelPlan model, TrainingFootprint footprint) {
        /** Whether the model is split into model shards. */
        public boolean split() {
            return model.strategy() != Strategy.DATA;
        }

        /** This layout, with the reason AUTO chose it. */
        Layout because(String reason) {
            var m = model;
            return new Layout(
                    shards,
                    new Plan.ModelPlan(
                            m.strategy(),
                            m.modelShards(),
                            m.microBatches(),
                            m.largestPartitionBytes(),
                            m.modelBytes(),
                            reason),
                    footprint);
        }
    }

    public static Layout plan(
            JobSpec.Parallelism parallelism,
            ModelArchitecture architecture,
            TrainingSpec training,
            long rows,
            ParallelPlanner.Fleet fleet) {
        long cap = fleet.modelCapBytes();
        var strategy = parallelism.strategy();
        if (strategy == Strategy.AUTO) {
            return auto(parallelism, architecture, training, rows, fleet);
        }
        var layout = strategy == Strategy.DATA
                ? whole(parallelism, architecture, training, rows, fleet)
                : split(parallelism, architecture, training, rows);
        if (layout.footprint().total() > cap) {
            throw new InvalidSpecException(
                    "parallelism",
                    "a lane training " + describe(layout) + " holds "
                            + layout.footprint().describe()
                            + ", more than the largest max-model-bytes of " + cap + " bytes among the live workers; "
                            + (layout.split()
                                    ? "split it further or in more micro-batches"
                                    : "split the model (TENSOR, PIPELINE, or AUTO to choose)"));
        }
        return layout;
    }

    /** The data shards of a training job that keeps its model whole: {@code dataShards}, or one per lane. */
    public static List<RowRange> dataShards(JobSpec.Parallelism parallelism, long rows, ParallelPlanner.Fleet fleet) {
        return DataPlanner.split(
                rows,
                parallelism.dataShards() != null
                        ? parallelism.dataShards()
                        : DataPlanner.defaultShards(rows, Math.max(1, fleet.lanes())));
    }

    private static Layout whole(
            JobSpec.Parallelism parallelism,
            ModelArchitecture architecture,
            TrainingSpec training,
            long rows,
            ParallelPlanner.Fleet fleet) {
        var shards = dataShards(parallelism, rows, fleet);
        var footprint = TrainingFootprint.whole(architecture, ceil(training.batchSize(), shards.size()));
        return new Layout(
                shards,
                new Plan.ModelPlan(Strategy.DATA, 1, 1, footprint.total(), architecture.parameterBytes(), null),
                footprint);
    }

    /** TENSOR or PIPELINE over one data shard, or HYBRID over {@code dataShards} (one by default). */
    private static Layout split(
            JobSpec.Parallelism parallelism, ModelArchitecture architecture, TrainingSpec training, long rows) {
        var strategy = parallelism.strategy();
        var modelStrategy = strategy == Strategy.HYBRID
                ? parallelism.modelStrategy() != null ? parallelism.modelStrategy() : Strategy.TENSOR
                : strategy;
        int dataShards = strategy == Strategy.HYBRID && parallelism.dataShards() != null ? parallelism.dataShards() : 1;
        int micro = parallelism.microBatches() != null ? parallelism.microBatches() : 1;
        TrainingProgram program;
        try {
            program = TrainingProgram.of(architecture, modelStrategy, parallelism.splitModelShards());
        } catch (IllegalArgumentException e) {
            throw new InvalidSpecException("parallelism.modelShards", String.valueOf(e.getMessage()));
        }
        return layout(program, modelStrategy, architecture, training, rows, dataShards, micro);
    }

    private static Layout layout(
            TrainingProgram program,
            Strategy modelStrategy,
            ModelArchitecture architecture,
            TrainingSpec training,
            long rows,
            int dataShards,
            int microBatches) {
        var footprint = TrainingFootprint.split(
                program,
                architecture,
                ceil(training.batchSize(), Math.multiplyExact(dataShards, microBatches)),
                TrainingFootprint.optimizerCopies(training));
        return new Layout(
                DataPlanner.split(rows, dataShards),
                new Plan.ModelPlan(
                        modelStrategy,
                        program.groups(),
                        microBatches,
                        footprint.total(),
                        architecture.parameterBytes(),
                        null),
                footprint);
    }

    private static Layout auto(
            JobSpec.Parallelism parallelism,
            ModelArchitecture architecture,
            TrainingSpec training,
            long rows,
            ParallelPlanner.Fleet fleet) {
        long cap = fleet.modelCapBytes();
        var whole = whole(parallelism, architecture, training, rows, fleet);
        if (whole.footprint().total() <= cap) {
            return whole.because(
                    "a lane training the whole model holds " + whole.footprint().describe() + ", within the " + cap
                            + "-byte cap; " + whole.shards().size() + " data shard(s)");
        }
        Layout smallest = whole;
        for (int k = 2; k <= Math.min(MAX_AUTO_SHARDS, maxShards(architecture)); k++) {
            for (var strategy : List.of(Strategy.PIPELINE, Strategy.TENSOR)) {
                TrainingProgram program;
                try {
                    program = TrainingProgram.of(architecture, strategy, k);
                } catch (IllegalArgumentException e) {
                    continue; // this model does not split this way into k shards
                }
                int data = dataShardsBeside(parallelism, k, rows, training, fleet);
                for (int micro = 1; (long) data * micro <= Math.max(1, training.batchSize()); micro *= 2) {
                    var layout = layout(program, strategy, architecture, training, rows, data, micro);
                    if (layout.footprint().total() < smallest.footprint().total()) {
                        smallest = layout;
                    }
                    if (layout.footprint().total() <= cap) {
                        return layout.because("a lane training the whole model would hold "
                                + whole.footprint().describe() + ", more than the " + cap + "-byte cap; "
                                + describe(layout) + " holds "
                                + layout.footprint().describe());
                    }
                }
            }
        }
        throw new InvalidSpecException(
                "parallelism",
                "no split of the model fits the largest max-model-bytes of " + cap + " bytes among the live "
                        + "workers: training it whole a lane holds "
                        + whole.footprint().describe()
                        + "; the smallest split, " + describe(smallest) + ", holds "
                        + smallest.footprint().describe());
    }

    /**
     * The data shards beside {@code modelShards} model shards that AUTO gives a split: {@code dataShards} when the job
     * names them, else as many as the lanes hold copies of the split (HYBRID when more than one); either way at most
     * one per window of a batch and one per row.
     */
    private static int dataShardsBeside(
            JobSpec.Parallelism parallelism,
            int modelShards,
            long rows,
            TrainingSpec training,
            ParallelPlanner.Fleet fleet) {
        long wanted =
                parallelism.dataShards() != null ? parallelism.dataShards() : Math.max(1, fleet.lanes()) / modelShards;
        return (int) Math.max(1, Math.min(wanted, Math.min(training.batchSize(), rows)));
    }

    /** "PIPELINE 2 in 4 micro-batches", "TENSOR 2 over 2 data shards", "the whole model". */
    private static String describe(Layout layout) {
        var model = layout.model();
        if (!layout.split()) {
            return "the whole model";
        }
        return model.strategy() + " " + model.modelShards()
                + (layout.shards().size() > 1 ? " over " + layout.shards().size() + " data shards" : "")
                + (model.microBatches() > 1 ? " in " + model.microBatches() + " micro-batches" : "");
    }

    private static int maxShards(ModelArchitecture architecture) {
        return switch (architecture) {
            case DenseArchitecture dense ->
                Math.max(
                        dense.layerCount(),
                        dense.widths().stream().mapToInt(w -> w).max().orElse(1));
            case GptArchitecture gpt -> Math.max(gpt.layers(), gpt.heads());
        };
    }

    private static int ceil(int a, int b) {
        return (a + b - 1) / b;
    }
}
