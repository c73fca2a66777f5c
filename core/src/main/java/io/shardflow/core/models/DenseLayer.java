package io.shardflow.core.models;

import io.shardflow.core.tensors.Tensor;

/** One layer's parameters: weight {@code [outputs][inputs]}, bias {@code [outputs]}. */
public record DenseLayer(Tensor weight, Tensor bias) {
    public DenseLayer {
        if (weight.rank() != 2 || bias.rank() != 1 || bias.shape()[0] != weight.shape()[0]) {
            throw new IllegalArgumentException("weight must be [out][in] and bias [out]");
        }
    }

    public int inputs() {
        return weight.shape()[1];
    }

    public int outputs() {
        return weight.shape()[0];
    }
}
