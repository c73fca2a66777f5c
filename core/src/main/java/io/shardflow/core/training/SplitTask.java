package io.shardflow.core.training;

/**
 * What one task of a model-parallel training step computes, as {@link SplitSteps} reads it from the shard's key.
 * {@code dataShard} and {@code microBatch} name the rows: the data shard's part of the step's global batch (or of
 * the validation rows), cut into micro-batches.
 */
public sealed interface SplitTask {

    /** Part {@code part} of round {@code round} forward (not the last round); {@code evaluation}: on validation rows. */
    record Forward(int round, int part, int dataShard, int microBatch, boolean evaluation) implements SplitTask {}

    /**
     * The last round's one part: forward, loss and, unless {@code evaluation}, its backward down to the gradient of
     * its input.
     */
    record Last(int dataShard, int microBatch, boolean evaluation) implements SplitTask {}

    /** Part {@code part} of round {@code round} backward, from the merged gradient of the round's output. */
    record Backward(int round, int part, int dataShard, int microBatch) implements SplitTask {}

    /** Group {@code group} applies the optimiser to its pieces with the step's summed gradients. */
    record Update(int group) implements SplitTask {}
}
