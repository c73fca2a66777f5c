package io.shardflow.core.training;

import io.shardflow.core.Lookup;
import io.shardflow.core.tensors.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/** SGD as DJL's engine applies it: {@code v = momentum·v + lr·g; w -= v} ({@code w -= lr·g} without momentum). */
public final class SgdOptimizer implements ParameterOptimizer {
    private final float learningRate;
    private final float momentum;
    // empty without momentum, and until the first step or a restore sizes it like the parameters
    private float[][] velocity = new float[0][];

    SgdOptimizer(float learningRate, float momentum) {
        this.learningRate = learningRate;
        this.momentum = momentum;
    }

    @Override
    public void step(float[][] params, float[][] grads) {
        if (momentum != 0 && velocity.length == 0) {
            velocity = new float[params.length][];
            for (int i = 0; i < params.length; i++) {
                velocity[i] = new float[params[i].length];
            }
        }
        for (int i = 0; i < params.length; i++) {
            float[] w = params[i];
            float[] g = grads[i];
            for (int j = 0; j < w.length; j++) {
                float update = g[j] * learningRate;
                if (momentum != 0) {
                    velocity[i][j] = velocity[i][j] * momentum + update;
                    update = velocity[i][j];
                }
                w[j] -= update;
            }
        }
    }

    @Override
    public Map<String, Tensor> state() {
        var state = new LinkedHashMap<String, Tensor>();
        if (velocity.length > 0) {
            for (int i = 0; i < velocity.length; i++) {
                state.put("velocity." + i, Tensor.vector(velocity[i].clone()));
            }
        }
        return state;
    }

    void restore(Map<String, Tensor> state) {
        if (state.isEmpty()) {
            return;
        }
        velocity = new float[state.size()][];
        for (int i = 0; i < velocity.length; i++) {
            velocity[i] = Lookup.required(state, "velocity." + i).data().clone();
        }
    }
}
