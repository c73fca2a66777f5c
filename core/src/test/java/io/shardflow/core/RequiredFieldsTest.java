package io.shardflow.core;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.core.generation.GenerationSpec;
import io.shardflow.core.models.Activation;
import io.shardflow.core.models.MlpArchitecture;
import io.shardflow.core.training.TrainingSpec;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** A value a request must give and left out says "is required", never a rule about its value that shows "null". */
class RequiredFieldsTest {
    private static void assertRequired(Runnable construction, String field) {
        assertThatThrownBy(construction::run)
                .isInstanceOf(InvalidSpecException.class)
                .hasMessage(field + ": is required");
    }

    private static TrainingSpec training(Integer batchSize, Double learningRate) {
        return new TrainingSpec(
                1, null, batchSize, null, learningRate, null, null, null, null, null, null, null, null, null, null);
    }

    @Test
    void trainingNeedsABatchSizeAndALearningRate() {
        assertRequired(() -> training(8, null), "learningRate");
        assertRequired(() -> training(null, 0.1), "batchSize");
    }

    @Test
    void anMlpNeedsItsWidths() {
        assertRequired(() -> new MlpArchitecture(null, Activation.RELU), "layers");
        assertRequired(() -> new MlpArchitecture(Arrays.asList(2, null, 1), Activation.RELU), "layers[1]");
    }

    @Test
    void generationNeedsMaxTokens() {
        assertRequired(() -> new GenerationSpec(null, null, null, null, null), "maxTokens");
    }
}
