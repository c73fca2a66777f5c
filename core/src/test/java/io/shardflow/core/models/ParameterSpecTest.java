package io.shardflow.core.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.core.InvalidSpecException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParameterSpecTest {
    private final DenseArchitecture linear = new LinearArchitecture(3, 2);
    private final DenseArchitecture mlp = new MlpArchitecture(List.of(2, 3, 1), Activation.RELU);

    @Test
    void aLinearModelKeepsItsWeightRowMajor() {
        var layers = new ParameterSpec(new float[][] {{1, 2, 3}, {4, 5, 6}}, new float[] {7, 8}, null).toLayers(linear);

        assertThat(layers).hasSize(1);
        assertThat(layers.getFirst().weight().shape()).containsExactly(2, 3);
        assertThat(layers.getFirst().weight().data()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(layers.getFirst().bias().data()).containsExactly(7, 8);
    }

    @Test
    void wrongShapesNameTheField() {
        assertField(
                () -> new ParameterSpec(new float[][] {{1, 2}, {4, 5}}, new float[] {7, 8}, null).toLayers(linear),
                "parameters.weight[0]");
        assertField(
                () -> new ParameterSpec(new float[][] {{1, 2, 3}}, new float[] {7}, null).toLayers(linear),
                "parameters.weight");
        assertField(
                () -> new ParameterSpec(new float[][] {{1, 2, 3}, {4, 5, 6}}, new float[] {7}, null).toLayers(linear),
                "parameters.bias");
        var good = new ParameterSpec.LayerSpec(new float[][] {{1, 2}, {3, 4}, {5, 6}}, new float[] {0, 0, 0});
        var badSecond = new ParameterSpec.LayerSpec(new float[][] {{1, 2}}, new float[] {0});
        assertField(
                () -> new ParameterSpec(null, null, List.of(good, badSecond)).toLayers(mlp),
                "parameters.layers[1].weight[0]");
        assertField(() -> new ParameterSpec(null, null, List.of(good)).toLayers(mlp), "parameters.layers");
    }

    @Test
    void nonFiniteValuesAreRejected() {
        assertField(
                () -> new ParameterSpec(new float[][] {{1, Float.NaN, 3}, {4, 5, 6}}, new float[] {7, 8}, null)
                        .toLayers(linear),
                "parameters.weight[0][1]");
    }

    @Test
    void architectureChecksItsOwnNumbers() {
        assertField(() -> new LinearArchitecture(0, 2), "inputs");
        assertField(() -> new MlpArchitecture(List.of(4), null), "layers");
        assertField(() -> new MlpArchitecture(List.of(4, -1, 2), null), "layers[1]");
        assertThat(new MlpArchitecture(List.of(4, 8, 2), null).hiddenActivation())
                .isEqualTo(Activation.RELU);
        assertThat(new MlpArchitecture(List.of(4, 8, 2), null).parameterBytes())
                .isEqualTo((4 * 8 + 8 + 8 * 2 + 2) * 4L);
    }

    private static void assertField(Runnable r, String field) {
        assertThatThrownBy(r::run)
                .isInstanceOfSatisfying(
                        InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo(field));
    }
}
