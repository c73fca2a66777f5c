package io.shardflow.core.planning;

import io.shardflow.core.training.TrainingPlan;
import java.util.List;

/**
 * How a job was split, as the job shows it: the strategy, the shard count and each shard's rows; for training,
 * the training plan too.
 */
public record Plan(Strategy strategy, long rows, int dataShards, List<RowRange> shards, TrainingPlan training) {
    public static Plan data(long rows, int requestedShards) {
        var ranges = DataPlanner.split(rows, requestedShards);
        return new Plan(Strategy.DATA, rows, ranges.size(), ranges, null);
    }

    public Plan withTraining(TrainingPlan training) {
        return new Plan(strategy, rows, dataShards, shards, training);
    }
}
