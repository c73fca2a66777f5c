package io.shardflow.core.planning;

import io.shardflow.core.training.TrainingPlan;
import java.util.List;

/**
 * How a job was split, as the job shows it: the strategy, the shard count and each shard's rows; for training,
 * the training plan too. {@code generation}: the rows are prompts a gpt completes, token by token.
 */
public record Plan(
        Strategy strategy,
        long rows,
        int dataShards,
        List<RowRange> shards,
        TrainingPlan training,
        ModelPlan model,
        boolean generation) {

    /**
     * How the model is split: TENSOR or PIPELINE with {@code modelShards}; {@code microBatches} per data shard for
     * a pipeline; the bytes of the largest partition one worker holds, and of the whole model; the reason for the
     * choice when AUTO made it.
     */
    public record ModelPlan(
            Strategy strategy,
            int modelShards,
            int microBatches,
            long largestPartitionBytes,
            long modelBytes,
            String reason) {}

    public static Plan data(long rows, int requestedShards) {
        var ranges = DataPlanner.split(rows, requestedShards);
        return new Plan(Strategy.DATA, rows, ranges.size(), ranges, null, null, false);
    }

    public Plan withTraining(TrainingPlan training) {
        return new Plan(strategy, rows, dataShards, shards, training, model, generation);
    }

    public Plan asGeneration() {
        return new Plan(strategy, rows, dataShards, shards, training, model, true);
    }

    /** True when the model itself is split (TENSOR, PIPELINE, HYBRID). */
    public boolean splitsModel() {
        return model != null && model.strategy() != Strategy.DATA;
    }
}
