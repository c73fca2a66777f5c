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
    EVALUATE,
    /** Model-parallel training: one part of a round's forward for one slice of the batch; the partial is its output. */
    SPLIT_FORWARD,
    /** Model-parallel training: the last round's forward, loss and backward for one slice; the partial is its input gradient. */
    SPLIT_LAST,
    /** Model-parallel training: one part's backward; its pieces' gradients are stored, the partial is its input gradient. */
    SPLIT_BACKWARD,
    /** Model-parallel training: one update group applies the optimiser to its pieces. */
    SPLIT_UPDATE,
    /** Gpt generation: complete the shard's prompts; the worker batches them with other sequences on the model. */
    GENERATE,
    /** Gpt pipeline generation: one stage's forward over the current sequences for one token step. */
    GENERATE_STAGE
}
