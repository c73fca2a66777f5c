package io.shardflow.core.training;

import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.DenseLayer;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.models.ModelParameters;
import io.shardflow.core.tensors.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Seeded initial parameters; the same seed gives the same model. Dense layers: Xavier-uniform weights, zero
 * biases. GPT: GPT-2's scheme, normal(0, 0.02) embeddings and weights, the residual projections scaled by
 * 1/√(2·layers), LayerNorm gains 1 and all biases 0.
 */
public final class ParameterInit {
    private static final double GPT_STD = 0.02;

    private ParameterInit() {}

    /** Every parameter of {@code architecture}, named, in {@link ModelArchitecture#parameterShapes()} order. */
    public static Map<String, Tensor> initial(ModelArchitecture architecture, long seed) {
        return switch (architecture) {
            case DenseArchitecture dense -> ModelParameters.named(xavier(dense, seed));
            case GptArchitecture gpt -> gpt(gpt, seed);
        };
    }

    public static List<DenseLayer> xavier(DenseArchitecture architecture, long seed) {
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

    private static Map<String, Tensor> gpt(GptArchitecture architecture, long seed) {
        var random = new Random(seed);
        var named = new LinkedHashMap<String, Tensor>();
        for (var entry : architecture.parameterShapes().entrySet()) {
            String name = entry.getKey();
            int[] shape = entry.getValue();
            var values = new float[(int) Tensor.elementCount(shape)];
            named.put(name, new Tensor(shape, values));
            if (name.endsWith("ln1.weight") || name.endsWith("ln2.weight") || name.endsWith("ln.weight")) {
                Arrays.fill(values, 1f);
            } else if (shape.length == 2) {
                double std = GPT_STD;
                if (name.endsWith("attention.out.weight") || name.endsWith("mlp.proj.weight")) {
                    std /= Math.sqrt(2.0 * architecture.layers());
                }
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (random.nextGaussian() * std);
                }
            }
        }
        return named;
    }
}
