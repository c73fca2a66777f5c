package io.shardflow.core.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.planning.GptStages;
import io.shardflow.core.training.ParameterInit;
import java.util.HashSet;
import org.junit.jupiter.api.Test;

class GptArchitectureTest {
    private final GptArchitecture gpt = new GptArchitecture(2, 4, 64, 32);

    @Test
    void parametersAreNamedAndCountedLikeGpt2WithAnUntiedHead() {
        var shapes = gpt.parameterShapes();
        assertThat(shapes.keySet())
                .startsWith("tokens.weight", "positions.weight")
                .endsWith("head.weight")
                .contains("blocks.1.attention.qkv.weight", "blocks.0.mlp.proj.weight", "final.ln.bias");
        long d = 64;
        long perBlock = 12 * d * d + 13 * d; // qkv, out, fc, proj weights and biases, two LayerNorms
        long expected = 256 * d + 32 * d + 2 * perBlock + 2 * d + 256 * d;
        assertThat(gpt.parameterBytes()).isEqualTo(expected * 4);
        assertThat(ParameterInit.initial(gpt, 3).keySet()).containsExactlyElementsOf(shapes.keySet());
        assertThat(ParameterInit.initial(gpt, 3).get("blocks.0.ln1.weight").data())
                .containsOnly(1f);
    }

    @Test
    void readsAndWritesAsJsonWithItsKind() {
        byte[] json = MessageCodec.encode(gpt);
        assertThat(new String(json)).contains("\"kind\":\"gpt\"");
        assertThat(MessageCodec.decode(json, ModelArchitecture.class)).isEqualTo(gpt);
        assertThat(gpt.describe()).isEqualTo("gpt 2 layers × 4 heads, dModel 64, context 32");
    }

    @Test
    void headsMustDivideTheWidth() {
        assertThatThrownBy(() -> new GptArchitecture(2, 3, 64, 32))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("heads: must divide dModel (64)");
        assertThatThrownBy(() -> new GptArchitecture(0, 1, 8, 32)).hasMessageContaining("layers");
        assertThatThrownBy(() -> new GptArchitecture(1, 1, 8, 1)).hasMessageContaining("context");
    }

    @Test
    void pipelineStagesCoverEveryParameterOnce() {
        var big = new GptArchitecture(5, 2, 16, 8);
        var stages = GptStages.split(big, 3);
        assertThat(stages).extracting(GptStages.Stage::fromBlock).containsExactly(0, 2, 4);
        assertThat(stages).extracting(GptStages.Stage::toBlock).containsExactly(2, 4, 5);
        var seen = new HashSet<String>();
        for (var stage : stages) {
            for (String name : stage.parameterNames(big)) {
                assertThat(seen.add(name)).as(name + " in one stage only").isTrue();
            }
        }
        assertThat(seen).isEqualTo(big.parameterShapes().keySet());
        assertThat(stages.getFirst().parameterNames(big)).contains("tokens.weight", "positions.weight");
        assertThat(stages.getLast().parameterNames(big)).contains("head.weight", "final.ln.weight");
        assertThatThrownBy(() -> GptStages.split(big, 6)).hasMessageContaining("1 to 5 pipeline stages");
    }
}
