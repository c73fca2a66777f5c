package io.shardflow.core.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.MlpArchitecture;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.models.ModelParameters;
import io.shardflow.core.tensors.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Seeded parameters made one at a time are the whole model's, in the architecture's order. */
class ParameterInitTest {

    @Test
    void oneAtATimeGivesTheWholeModelsParametersInTheArchitecturesOrder() {
        for (ModelArchitecture architecture : List.<ModelArchitecture>of(
                new MlpArchitecture(List.of(3, 5, 4, 2), null), new GptArchitecture(2, 2, 8, 6))) {
            var whole = ParameterInit.initial(architecture, 7);
            var names = new ArrayList<String>();
            ParameterInit.forEach(architecture, 7, (name, tensor) -> {
                names.add(name);
                assertThat(tensor.shape())
                        .isEqualTo(architecture.parameterShapes().get(name));
                assertThat(tensor.data())
                        .as(name)
                        .containsExactly(whole.get(name).data());
            });
            assertThat(names)
                    .containsExactlyElementsOf(architecture.parameterShapes().keySet());
        }
    }

    @Test
    void aDenseModelIsTheXavierLayersOfTheSameSeed() {
        var architecture = new MlpArchitecture(List.of(3, 5, 2), null);
        var layers = ModelParameters.named(ParameterInit.xavier(architecture, 11));
        var initial = ParameterInit.initial(architecture, 11);
        assertThat(initial.keySet()).containsExactlyElementsOf(layers.keySet());
        initial.forEach((name, tensor) ->
                assertThat(tensor.data()).containsExactly(layers.get(name).data()));
        assertThat(maxAbs(initial.get("layers.0.bias"))).isZero();
        assertThat(maxAbs(initial.get("layers.0.weight"))).isPositive();
    }

    private static double maxAbs(Tensor tensor) {
        double max = 0;
        for (float v : tensor.data()) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
