package io.shardflow.core.planning;

/**
 * Where a shard sits in a model-parallel plan, derived from its key: which round of the model split it runs,
 * which model and data shard it is, and whose output is its input ({@code inputStep} -1: the dataset's rows).
 *
 * <p>Keys: DATA {@code (0, 0, dataShard)}; TENSOR and HYBRID-TENSOR {@code (round, 0, dataShard × k + modelShard)};
 * PIPELINE and HYBRID-PIPELINE {@code (microBatch, stage, dataShard)}.
 */
public record ShardLayout(int modelRound, int modelShard, int dataShard, int inputStep, int inputStage) {

    public static ShardLayout of(Plan plan, int step, int stage, int shardIndex) {
        if (!plan.splitsModel()) {
            return new ShardLayout(0, 0, shardIndex, -1, 0);
        }
        int k = plan.model().modelShards();
        if (plan.model().strategy() == Strategy.TENSOR) {
            return new ShardLayout(step, shardIndex % k, shardIndex / k, step == 0 ? -1 : step - 1, 0);
        }
        return new ShardLayout(stage, 0, shardIndex, stage == 0 ? -1 : step, stage - 1);
    }

    public boolean readsDataset() {
        return inputStep < 0;
    }
}
