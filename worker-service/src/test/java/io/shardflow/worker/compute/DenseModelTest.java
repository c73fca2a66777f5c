package io.shardflow.worker.compute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.core.models.Activation;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.DenseLayer;
import io.shardflow.core.models.MlpArchitecture;
import io.shardflow.core.tensors.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The DJL forward pass against a plain double-precision reference, alone and from several lanes at once. */
class DenseModelTest {
    private static ComputeEngine engine;

    @BeforeAll
    static void engine() {
        ComputeEngine.configure(1);
        engine = new ComputeEngine("cpu");
    }

    private static List<DenseLayer> randomLayers(Random random, List<Integer> widths) {
        var layers = new ArrayList<DenseLayer>();
        for (int l = 0; l + 1 < widths.size(); l++) {
            int in = widths.get(l);
            int out = widths.get(l + 1);
            var w = new float[in * out];
            var b = new float[out];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) random.nextGaussian() / (float) Math.sqrt(in);
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) random.nextGaussian() * 0.1f;
            }
            layers.add(new DenseLayer(Tensor.matrix(out, in, w), Tensor.vector(b)));
        }
        return layers;
    }

    private static double activate(Activation a, double v) {
        return switch (a) {
            case RELU -> Math.max(0, v);
            case TANH -> Math.tanh(v);
            case SIGMOID -> 1 / (1 + Math.exp(-v));
            case IDENTITY -> v;
        };
    }

    private static double[] reference(DenseArchitecture arch, List<DenseLayer> layers, float[] x, int row) {
        double[] a = new double[arch.inputs()];
        for (int i = 0; i < a.length; i++) {
            a[i] = x[row * arch.inputs() + i];
        }
        for (int l = 0; l < layers.size(); l++) {
            var layer = layers.get(l);
            var next = new double[layer.outputs()];
            for (int o = 0; o < next.length; o++) {
                double sum = layer.bias().data()[o];
                for (int i = 0; i < a.length; i++) {
                    sum += layer.weight().get(o, i) * a[i];
                }
                next[o] = l + 1 < layers.size() ? activate(arch.hiddenActivation(), sum) : sum;
            }
            a = next;
        }
        return a;
    }

    private static void assertMatches(DenseArchitecture arch, List<DenseLayer> layers, float[] x, int rows, float[] y) {
        assertThat(y).hasSize(rows * arch.outputs());
        for (int r = 0; r < rows; r++) {
            double[] expected = reference(arch, layers, x, r);
            for (int o = 0; o < expected.length; o++) {
                assertThat((double) y[r * arch.outputs() + o])
                        .isCloseTo(
                                expected[o], org.assertj.core.data.Offset.offset(1e-5 * (1 + Math.abs(expected[o]))));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void forwardEqualsTheReferenceForEveryActivation(Activation activation) {
        var random = new Random(activation.ordinal());
        var arch = new MlpArchitecture(List.of(7, 13, 5, 3), activation);
        var layers = randomLayers(random, arch.widths());
        var x = new float[50 * 7];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        try (var model = new DenseModel(engine.engine(), engine.device(), arch, layers)) {
            assertMatches(arch, layers, x, 50, model.forward(x, 50));
        }
    }

    @Test
    void lanesShareOneLoadedModel() throws Exception {
        var random = new Random(99);
        var arch = new MlpArchitecture(List.of(16, 32, 4), Activation.RELU);
        var layers = randomLayers(random, arch.widths());
        try (var model = new DenseModel(engine.engine(), engine.device(), arch, layers);
                var lanes = Executors.newFixedThreadPool(4)) {
            var inputs = new ArrayList<float[]>();
            var results = new ArrayList<Future<float[]>>();
            for (int t = 0; t < 16; t++) {
                var x = new float[100 * 16];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextGaussian();
                }
                inputs.add(x);
                results.add(lanes.submit(() -> model.forward(x, 100)));
            }
            for (int t = 0; t < 16; t++) {
                assertMatches(arch, layers, inputs.get(t), 100, results.get(t).get());
            }
        }
    }

    @Test
    void aClosedModelRefusesWorkSoTheLaneLoadsItAgain() {
        var arch = new MlpArchitecture(List.of(2, 1), Activation.RELU);
        var model = new DenseModel(engine.engine(), engine.device(), arch, randomLayers(new Random(1), arch.widths()));
        model.close();
        assertThatThrownBy(() -> model.forward(new float[2], 1)).isInstanceOf(ModelEvictedException.class);
    }
}
