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
import java.util.function.BiConsumer;

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
        var named = new LinkedHashMap<String, Tensor>();
        forEach(architecture, seed, named::put);
        return named;
    }

    /**
     * The same parameters as {@link #initial}, handed to {@code each} one at a time in that order and made only as
     * it asks for the next: whoever keeps none of them holds one parameter at a time, never the whole model.
     */
    public static void forEach(ModelArchitecture architecture, long seed, BiConsumer<String, Tensor> each) {
        switch (architecture) {
            case DenseArchitecture dense -> {
                var random = new Random(seed);
                var widths = dense.widths();
                for (int l = 0; l + 1 < widths.size(); l++) {
                    var layer = xavier(random, widths.get(l), widths.get(l + 1));
                    each.accept(ModelParameters.weightOf(l), layer.weight());
                    each.accept(ModelParameters.biasOf(l), layer.bias());
                }
            }
            case GptArchitecture gpt -> gpt(gpt, seed, each);
        }
    }

    public static List<DenseLayer> xavier(DenseArchitecture architecture, long seed) {
        var random = new Random(seed);
        var widths = architecture.widths();
        var layers = new ArrayList<DenseLayer>();
        for (int l = 0; l + 1 < widths.size(); l++) {
            layers.add(xavier(random, widths.get(l), widths.get(l + 1)));
        }
        return List.copyOf(layers);
    }

    /** One layer's Xavier-uniform weights, drawn next from {@code random}, and its zero bias. */
    private static DenseLayer xavier(Random random, int in, int out) {
        double bound = Math.sqrt(6.0 / (in + out));
        var w = new float[Math.multiplyExact(in, out)];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return new DenseLayer(Tensor.matrix(out, in, w), Tensor.vector(new float[out]));
    }

    private static void gpt(GptArchitecture architecture, long seed, BiConsumer<String, Tensor> each) {
        var random = new Random(seed);
        for (var entry : architecture.parameterShapes().entrySet()) {
            String name = entry.getKey();
            int[] shape = entry.getValue();
            var values = new float[(int) Tensor.elementCount(shape)];
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
            each.accept(name, new Tensor(shape, values));
        }
    }
}
