package io.shardflow.core.training;

import io.shardflow.core.planning.ModelSplit;
import java.util.List;

/** What one part of a model-parallel training round computes. */
public sealed interface PartOp {

    /**
     * Dense layers (or slices of them, as Megatron pairs cut them) applied in order with the hidden activation
     * between them, and to the input first when {@code activateInput} (the input is an earlier round's merged
     * pre-activation output). A slice without its bias adds none: the pair's bias is added once, by part 0.
     */
    record Dense(List<ModelSplit.Slice> slices, boolean activateInput) implements PartOp {
        public Dense {
            slices = List.copyOf(slices);
        }
    }

    /** The loss of a dense model on the merged output of the last round before it: no parameters of its own. */
    record DenseLoss() implements PartOp {}

    /** A gpt's token and position embeddings of the slice's windows: hidden {@code [windows][context × dModel]}. */
    record GptEmbed(int width) implements PartOp {}

    /**
     * A gpt pipeline stage: blocks {@code [fromBlock, toBlock)} over the hidden input, the embeddings first when
     * {@code embed}, the final LayerNorm, the head and the loss last when {@code head}. Its pieces are whole
     * parameters.
     */
    record GptStage(int fromBlock, int toBlock, boolean embed, boolean head, int width) implements PartOp {}

    /**
     * Heads {@code [fromHead, toHead)} of block {@code block}'s attention, Megatron's layout: the LayerNorm (kept by
     * group 0, read by every part), the heads' rows of the query, key and value projections (column-parallel) and
     * their columns of the output projection (row-parallel). The parts' outputs are summed; part 0's also carries
     * the residual and the output bias, added once.
     */
    record GptAttention(int block, int fromHead, int toHead, boolean residual, int width) implements PartOp {}

    /** Hidden units {@code [from, to)} of block {@code block}'s MLP: fc rows, proj columns; part 0 adds the residual. */
    record GptMlp(int block, int from, int to, boolean residual, int width) implements PartOp {}

    /** A gpt's final LayerNorm, head and loss on the merged hidden state. */
    record GptHead() implements PartOp {}
}
