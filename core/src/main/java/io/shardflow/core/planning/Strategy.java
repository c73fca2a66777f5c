package io.shardflow.core.planning;

/** How a job is split. Only DATA runs today; the others are named so that requests for them fail clearly. */
public enum Strategy {
    DATA,
    TENSOR,
    PIPELINE,
    HYBRID,
    AUTO
}
