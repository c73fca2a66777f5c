package io.shardflow.scheduler.training;

import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.training.ParameterOptimizer;
import io.shardflow.core.training.TrainingMetrics;
import java.util.Map;

/**
 * A training job's working state while one notice is handled: the parameters at {@code version} (steps applied),
 * the optimiser and the latest metrics. Read from the job's rows at the start (or taken from {@link KeptStates} when
 * those rows are still the ones it was written to) and written back before the transaction ends.
 */
final class TrainingState {
    /** The parameters' names and shapes; {@code params} holds their values in this order. */
    final Map<String, Tensor> shapes;

    float[][] params;
    final ParameterOptimizer optimizer;
    int version;
    TrainingMetrics metrics;
    /** The stamp of the stored row of {@code version} these parameters are, or {@code TrainingStore.NO_STAMP}. */
    long stamp;

    TrainingState(
            Map<String, Tensor> shapes,
            float[][] params,
            ParameterOptimizer optimizer,
            int version,
            TrainingMetrics metrics,
            long stamp) {
        this.shapes = shapes;
        this.params = params;
        this.optimizer = optimizer;
        this.version = version;
        this.metrics = metrics;
        this.stamp = stamp;
    }
}
