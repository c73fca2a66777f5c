package io.shardflow.core.training;

import io.shardflow.core.models.DenseLayer;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.tensors.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Seeded initial parameters: Xavier-uniform weights, zero biases. The same seed gives the same model. */
public final class ParameterInit {
    private ParameterInit() {
    }

    public static List<DenseLayer> xavier(ModelArchitecture architecture, long seed) {
        var random = new Random(seed);
        var widths = architecture.widths();
        var layers = new ArrayList<DenseLayer>();
        for (int l = 0; l + 1 < widths.size(); l++) {
            int in = widths.get(l);
            int out = widths.get(l + 1);
            double bound = Math.sqrt(6.0 / (in + out));
            var w = new float[Math.multiplyExact(in, out)];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
            }
            layers.add(new DenseLayer(Tensor.matrix(out, in, w), Tensor.vector(new float[out])));
        }
        return List.copyOf(layers);
    }
}
