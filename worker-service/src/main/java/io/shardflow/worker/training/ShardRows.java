package io.shardflow.worker.training;

/**
 * A training shard's rows as a model-parallel task reads them: its data shard's part of a step's global batch, or
 * of the validation rows, cut into micro-batches.
 */
interface ShardRows {

    /** Micro-batch {@code microBatch} of {@code microBatches} of the shard's part (empty past its last one). */
    Rows rows(int step, boolean evaluation, int microBatch, int microBatches);

    /** How many rows (or windows) the step's whole global batch holds: the loss is its mean. */
    int batchSize(int step);

    /** Rows of a dense model's dataset, or windows of a gpt's text. */
    sealed interface Rows {
        int count();
    }

    record Table(ShardSlice.Batch batch) implements Rows {
        @Override
        public int count() {
            return batch.rows();
        }
    }

    /** Windows of {@code context + 1} bytes: inputs and their next-byte targets. */
    record Text(int[][] windows) implements Rows {
        @Override
        public int count() {
            return windows.length;
        }
    }
}
