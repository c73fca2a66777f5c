package io.shardflow.core.planning;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.ModelArchitecture;
import org.jspecify.annotations.Nullable;

/**
 * Chooses how an inference job is split, from the model's bytes against the fleet's memory cap and the rows
 * against the lanes. A pure function, shared by the scheduler and the plan preview.
 */
public final class ParallelPlanner {
    private ParallelPlanner() {}

    /** The fleet as planning sees it: live lanes, and the smallest {@code max-model-bytes} (Long.MAX_VALUE: no cap). */
    public record Fleet(int lanes, long modelCapBytes) {}

    public static Plan plan(JobSpec.Parallelism parallelism, ModelArchitecture architecture, long rows, Fleet fleet) {
        return switch (architecture) {
            case DenseArchitecture dense -> dense(parallelism, dense, rows, fleet);
            case GptArchitecture gpt -> generation(parallelism, gpt, rows, fleet);
        };
    }

    /**
     * A gpt generates over DATA shards of its prompts, or through PIPELINE stages of its blocks when it does not
     * fit a worker; AUTO picks DATA when it fits, else the fewest stages that do.
     */
    private static Plan generation(
            JobSpec.Parallelism parallelism, GptArchitecture architecture, long rows, Fleet fleet) {
        int lanes = Math.max(1, fleet.lanes());
        long bytes = architecture.parameterBytes();
        return switch (parallelism.strategy()) {
            case DATA ->
                prompts(
                        rows,
                        parallelism.dataShards() != null
                                ? parallelism.dataShards()
                                : DataPlanner.defaultShards(rows, lanes),
                        architecture,
                        null);
            case PIPELINE -> stages(rows, parallelism.splitModelShards(), architecture, null);
            case TENSOR, HYBRID ->
                throw new InvalidSpecException(
                        "parallelism.strategy",
                        "a gpt model generates with DATA or PIPELINE, not " + parallelism.strategy());
            case AUTO -> {
                if (bytes <= fleet.modelCapBytes()) {
                    int shards = parallelism.dataShards() != null
                            ? parallelism.dataShards()
                            : DataPlanner.defaultShards(rows, lanes);
                    yield prompts(
                            rows,
                            shards,
                            architecture,
                            "the model (" + bytes + " bytes) fits a worker, so " + shards + " data shard(s) over "
                                    + lanes + " lane(s)");
                }
                for (int k = 2; k <= architecture.layers(); k++) {
                    long largest = GptStages.largestStageBytes(architecture, k);
                    if (largest <= fleet.modelCapBytes()) {
                        yield stages(
                                rows,
                                k,
                                architecture,
                                "the model (" + bytes + " bytes) exceeds the " + fleet.modelCapBytes() + "-byte cap; "
                                        + k + " pipeline stages of at most " + largest + " bytes fit");
                    }
                }
                throw new InvalidSpecException(
                        "parallelism",
                        "the model (" + bytes + " bytes) cannot be split into "
                                + "stages that fit the workers' max-model-bytes of " + fleet.modelCapBytes());
            }
        };
    }

    private static Plan prompts(long rows, int shards, GptArchitecture architecture, @Nullable String reason) {
        return new Plan.Generation(
                rows, DataPlanner.split(rows, shards), Plan.ModelPlan.whole(architecture.parameterBytes(), reason));
    }

    private static Plan stages(long rows, int stages, GptArchitecture architecture, @Nullable String reason) {
        long largest;
        try {
            largest = GptStages.largestStageBytes(architecture, stages);
        } catch (IllegalArgumentException e) {
            throw new InvalidSpecException("parallelism.modelShards", String.valueOf(e.getMessage()));
        }
        return new Plan.PipelinedGeneration(
                rows, new Plan.ModelPlan(Strategy.PIPELINE, stages, 1, largest, architecture.parameterBytes(), reason));
    }

    private static Plan dense(JobSpec.Parallelism parallelism, DenseArchitecture architecture, long rows, Fleet fleet) {
        int lanes = Math.max(1, fleet.lanes());
        var strategy = parallelism.strategy();
        int dataShards =
                parallelism.dataShards() != null ? parallelism.dataShards() : DataPlanner.defaultShards(rows, lanes);
        return switch (strategy) {
            case DATA -> data(rows, dataShards, architecture, null);
            case TENSOR, PIPELINE ->
                model(
                        rows,
                        1,
                        strategy,
                        parallelism.splitModelShards(),
                        parallelism.microBatches(),
                        architecture,
                        null);
            case HYBRID ->
                model(
                        rows,
                        parallelism.dataShards() != null ? parallelism.dataShards() : 1,
                        parallelism.modelStrategy() != null ? parallelism.modelStrategy() : Strategy.TENSOR,
                        parallelism.splitModelShards(),
                        parallelism.microBatches(),
                        architecture,
                        null);
            case AUTO -> auto(rows, parallelism, architecture, lanes, fleet.modelCapBytes());
        };
    }

    private static Plan auto(
            long rows, JobSpec.Parallelism parallelism, DenseArchitecture architecture, int lanes, long cap) {
        long bytes = architecture.parameterBytes();
        if (bytes <= cap) {
            int shards = parallelism.dataShards() != null
                    ? parallelism.dataShards()
                    : DataPlanner.defaultShards(rows, lanes);
            return data(
                    rows,
                    shards,
                    architecture,
                    "the model (" + bytes + " bytes) fits a worker, so " + shards + " data shard(s) over " + lanes
                            + " lane(s)");
        }
        int widest = architecture.widths().subList(1, architecture.widths().size()).stream()
                .mapToInt(i -> i)
                .min()
                .orElse(1);
        for (int k = 2; k <= widest; k++) {
            long largest = ModelSplit.tensor(architecture, k).largestPartitionBytes();
            if (largest <= cap) {
                int dataShards = (int) Math.max(1, Math.min(lanes / k, rows));
                String why = "the model (" + bytes + " bytes) exceeds the " + cap + "-byte cap; " + k
                        + " tensor shards of at most " + largest + " bytes fit";
                return model(
                        rows,
                        dataShards,
                        Strategy.TENSOR,
                        k,
                        null,
                        architecture,
                        dataShards > 1 ? why + ", " + dataShards + " data shards use the other lanes" : why);
            }
        }
        for (int k = 2; k <= architecture.layerCount(); k++) {
            long largest = ModelSplit.pipeline(architecture, k).largestPartitionBytes();
            if (largest <= cap) {
                return model(
                        rows,
                        1,
                        Strategy.PIPELINE,
                        k,
                        Math.max(1, Math.min(lanes, (int) Math.min(rows, 8))),
                        architecture,
                        "the model (" + bytes + " bytes) exceeds the " + cap + "-byte cap; " + k
                                + " pipeline stages of at most " + largest + " bytes fit");
            }
        }
        throw new InvalidSpecException(
                "parallelism",
                "the model (" + bytes + " bytes) cannot be split into parts that fit "
                        + "the workers' max-model-bytes of " + cap);
    }

    private static Plan data(long rows, int shards, DenseArchitecture architecture, @Nullable String reason) {
        return new Plan.DataInference(
                rows, DataPlanner.split(rows, shards), Plan.ModelPlan.whole(architecture.parameterBytes(), reason));
    }

    private static Plan model(
            long rows,
            int dataShards,
            Strategy modelStrategy,
            int modelShards,
            @Nullable Integer microBatches,
            DenseArchitecture architecture,
            @Nullable String reason) {
        ModelSplit split;
        try {
            split = modelStrategy == Strategy.TENSOR
                    ? ModelSplit.tensor(architecture, modelShards)
                    : ModelSplit.pipeline(architecture, modelShards);
        } catch (IllegalArgumentException e) {
            throw new InvalidSpecException("parallelism.modelShards", String.valueOf(e.getMessage()));
        }
        int micro = modelStrategy == Strategy.PIPELINE ? (microBatches == null ? 1 : microBatches) : 1;
        return new Plan.ModelParallelInference(
                rows,
                DataPlanner.split(rows, dataShards),
                new Plan.ModelPlan(
                        modelStrategy,
                        modelShards,
                        micro,
                        split.largestPartitionBytes(),
                        architecture.parameterBytes(),
                        reason));
    }

    /** The split of a dense model that an inference plan runs: whole unless the plan splits it. */
    public static ModelSplit split(Plan plan, DenseArchitecture architecture) {
        if (!(plan instanceof Plan.ModelParallelInference split)) {
            return ModelSplit.whole(architecture);
        }
        return split.tensor()
                ? ModelSplit.tensor(architecture, split.model().modelShards())
                : ModelSplit.pipeline(architecture, split.model().modelShards());
    }
}
