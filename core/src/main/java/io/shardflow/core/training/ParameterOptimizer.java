package io.shardflow.core.training;

import io.shardflow.core.tensors.Tensor;
import java.util.Map;

/**
 * An optimiser that updates parameters in place from gradients, with the update rules of DJL's PyTorch engine,
 * so that a step here equals a step of a single-process DJL loop. Its state can be saved in a checkpoint.
 */
public sealed interface ParameterOptimizer permits SgdOptimizer, AdamOptimizer {

    /** One update of every parameter; {@code params[i]} and {@code grads[i]} are one tensor's values. */
    void step(float[][] params, float[][] grads);

    /** The state to checkpoint (momentum buffers, moment estimates, step count). */
    Map<String, Tensor> state();

    static ParameterOptimizer create(TrainingSpec spec) {
        return switch (spec.optimizer()) {
            case SGD ->
                new SgdOptimizer(
                        spec.learningRate().floatValue(), spec.momentum().floatValue());
            case ADAM ->
                new AdamOptimizer(
                        spec.learningRate().floatValue(),
                        spec.beta1().floatValue(),
                        spec.beta2().floatValue(),
                        spec.epsilon().floatValue());
        };
    }

    /** An optimiser with the state of a checkpoint. */
    static ParameterOptimizer restore(TrainingSpec spec, Map<String, Tensor> state) {
        var optimizer = create(spec);
        switch (optimizer) {
            case SgdOptimizer sgd -> sgd.restore(state);
            case AdamOptimizer adam -> adam.restore(state);
        }
        return optimizer;
    }
}
