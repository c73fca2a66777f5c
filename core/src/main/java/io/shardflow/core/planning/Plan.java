package io.shardflow.core.planning;

import java.util.List;

/** How a job was split, as the job shows it: the strategy, the shard count and each shard's rows. */
public record Plan(Strategy strategy, long rows, int dataShards, List<RowRange> shards) {
    public static Plan data(long rows, int requestedShards) {
        var ranges = DataPlanner.split(rows, requestedShards);
        return new Plan(Strategy.DATA, rows, ranges.size(), ranges);
    }
}
