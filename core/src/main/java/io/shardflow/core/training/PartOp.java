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
}
