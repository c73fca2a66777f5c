package io.shardflow.core.messaging;

/** What a shard task computes. */
public enum TaskKind {
    /** Forward pass over the shard's rows; the partial is the outputs. */
    INFER,
    /** Gradients of the mean loss over the shard's part of one global batch. */
    GRADIENT,
    /** {@code localSteps} optimiser steps on the shard's parts of consecutive batches (local SGD); the partial is parameters. */
    LOCAL_STEPS,
    /** Loss (and accuracy) on the shard's validation rows. */
    EVALUATE
}
