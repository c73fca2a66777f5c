package io.shardflow.core.planning;

/**
 * Where a shard sits in a model-parallel plan: which round of the model split it runs, which model and data shard
 * it is, and whose output is its input ({@code inputStep} -1: the dataset's rows). Each {@link Plan} derives it
 * from a shard's key.
 */
public record ShardLayout(int modelRound, int modelShard, int dataShard, int inputStep, int inputStage) {

    /** A data shard of a whole model, reading the dataset. */
    public static ShardLayout data(int dataShard) {
        return new ShardLayout(0, 0, dataShard, -1, 0);
    }

    public boolean readsDataset() {
        return inputStep < 0;
    }
}
