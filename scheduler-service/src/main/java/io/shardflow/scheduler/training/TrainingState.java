package io.shardflow.scheduler.training;

import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.training.ParameterOptimizer;
import java.util.Map;

/**
 * A training job's working state in the scheduler that aggregates it: the current parameters (version = steps
 * applied) and the optimiser. Lost with the process; rebuilt from the last checkpoint.
 */
final class TrainingState {
    /** The parameters' names and shapes; {@code params} holds their values in this order. */
    final Map<String, Tensor> shapes;

    float[][] params;
    final ParameterOptimizer optimizer;
    int version;
    Double lastLoss;
    Double validationLoss;
    Double validationAccuracy;

    TrainingState(Map<String, Tensor> shapes, float[][] params, ParameterOptimizer optimizer, int version) {
        this.shapes = shapes;
        this.params = params;
        this.optimizer = optimizer;
        this.version = version;
    }
}
