package io.shardflow.worker.lanes;

import io.shardflow.core.messaging.TaskKind;

/**
 * What computes each kind of task: inference, training (every kind of training task) and pipelined generation's
 * stages on the calling lane; generation in the batching engine.
 */
public record Computations(
        ShardComputation inference,
        ShardComputation training,
        ShardComputation stages,
        DeferredComputation generation) {

    /** The computation of a task that runs on the lane: every kind but {@link TaskKind#GENERATE}. */
    ShardComputation onLane(TaskKind kind) {
        return switch (kind) {
            case INFER -> inference;
            case GENERATE_STAGE -> stages;
            case GRADIENT, LOCAL_STEPS, EVALUATE, SPLIT_FORWARD, SPLIT_LAST, SPLIT_BACKWARD, SPLIT_UPDATE -> training;
            case GENERATE -> throw new IllegalArgumentException("generation runs in the batching engine");
        };
    }
}
