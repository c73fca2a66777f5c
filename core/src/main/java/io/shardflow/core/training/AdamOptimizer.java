package io.shardflow.core.training;

import io.shardflow.core.Lookup;
import io.shardflow.core.tensors.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam as DJL's engine applies it: {@code m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;
 * w -= lr·sqrt(1-β2^t)/(1-β1^t) · m / (sqrt(v) + ε)}, in float32 like the engine.
 */
public final class AdamOptimizer implements ParameterOptimizer {
    private final float learningRate;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private int t;
    // empty until the first step or a restore sizes them like the parameters
    private float[][] mean = new float[0][];
    private float[][] variance = new float[0][];

    AdamOptimizer(float learningRate, float beta1, float beta2, float epsilon) {
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    @Override
    public void step(float[][] params, float[][] grads) {
        if (mean.length == 0) {
            mean = new float[params.length][];
            variance = new float[params.length][];
            for (int i = 0; i < params.length; i++) {
                mean[i] = new float[params[i].length];
                variance[i] = new float[params[i].length];
            }
        }
        t++;
        double coef1 = 1.0 - Math.pow(beta1, t);
        double coef2 = 1.0 - Math.pow(beta2, t);
        float stepSize = (float) (learningRate * Math.sqrt(coef2) / coef1);
        float keep1 = 1 - beta1;
        float keep2 = 1 - beta2;
        for (int i = 0; i < params.length; i++) {
            float[] w = params[i];
            float[] g = grads[i];
            float[] m = mean[i];
            float[] v = variance[i];
            for (int j = 0; j < w.length; j++) {
                m[j] = m[j] * beta1 + g[j] * keep1;
                v[j] = v[j] * beta2 + g[j] * g[j] * keep2;
                w[j] -= m[j] * stepSize / ((float) Math.sqrt(v[j]) + epsilon);
            }
        }
    }

    @Override
    public Map<String, Tensor> state() {
        var state = new LinkedHashMap<String, Tensor>();
        state.put("t", Tensor.vector(new float[] {t}));
        if (mean.length > 0) {
            for (int i = 0; i < mean.length; i++) {
                state.put("mean." + i, Tensor.vector(mean[i].clone()));
                state.put("variance." + i, Tensor.vector(variance[i].clone()));
            }
        }
        return state;
    }

    void restore(Map<String, Tensor> state) {
        t = (int) Lookup.required(state, "t").data()[0];
        int n = (state.size() - 1) / 2;
        if (n > 0) {
            mean = new float[n][];
            variance = new float[n][];
            for (int i = 0; i < n; i++) {
                mean[i] = Lookup.required(state, "mean." + i).data().clone();
                variance[i] = Lookup.required(state, "variance." + i).data().clone();
            }
        }
    }
}
