package io.shardflow.scheduler.training;

import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.training.ParameterOptimizer;
import io.shardflow.core.training.TrainingMetrics;
import java.util.Map;

/**
 * A training job's working state while one notice is handled: the parameters at {@code version} (steps applied),
 * the optimiser and the latest metrics. Read from the job's rows at the start and written back before the
 * transaction ends; nothing of it outlives the notice.
 */
final class TrainingState {
    /** The parameters' names and shapes; {@code params} holds their values in this order. */
    final Map<String, Tensor> shapes;

    float[][] params;
    final ParameterOptimizer optimizer;
    int version;
    TrainingMetrics metrics;

    TrainingState(
            Map<String, Tensor> shapes,
            float[][] params,
            ParameterOptimizer optimizer,
            int version,
            TrainingMetrics metrics) {
        this.shapes = shapes;
        this.params = params;
        this.optimizer = optimizer;
        this.version = version;
        this.metrics = metrics;
    }
}
