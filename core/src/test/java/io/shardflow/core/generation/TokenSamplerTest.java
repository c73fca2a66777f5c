package io.shardflow.core.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class TokenSamplerTest {
    private static GenerationSpec spec(double temperature, Integer topK, long seed) {
        return new GenerationSpec(10, temperature, topK, seed, null);
    }

    @Test
    void greedyTakesTheLargestLogitAndTheLowestByteOnATie() {
        float[] logits = new float[256];
        logits[7] = 3;
        logits[200] = 3;
        logits[100] = 2;
        assertThat(TokenSampler.next(logits, spec(0, null, 1), 0, 0)).isEqualTo(7);
        assertThat(TokenSampler.next(logits, spec(0.7, 1, 1), 5, 3))
                .as("top-1 sampling is greedy")
                .isEqualTo(7);
    }

    @Test
    void aDrawDependsOnlyOnSeedPromptAndPosition() {
        float[] logits = new float[256];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.sin(i);
        }
        var spec = spec(1.0, null, 42);
        int first = TokenSampler.next(logits, spec, 3, 9);
        assertThat(TokenSampler.next(logits, spec, 3, 9)).isEqualTo(first);
        int differences = 0;
        for (int t = 0; t < 50; t++) {
            if (TokenSampler.next(logits, spec, 3, t) != TokenSampler.next(logits, spec(1.0, null, 43), 3, t)) {
                differences++;
            }
        }
        assertThat(differences).as("another seed draws other bytes").isGreaterThan(25);
    }

    @Test
    void samplingFollowsTheSoftmaxOfTheScaledLogits() {
        float[] logits = new float[256];
        java.util.Arrays.fill(logits, -1e9f);
        logits[65] = (float) Math.log(0.7);
        logits[66] = (float) Math.log(0.3);
        int draws = 4000;
        int a = 0;
        for (int t = 0; t < draws; t++) {
            if (TokenSampler.next(logits, spec(1.0, null, 5), t % 40, t / 40) == 65) {
                a++;
            }
        }
        assertThat(a / (double) draws).isCloseTo(0.7, within(0.03));

        // temperature 2 flattens: p(a) = 0.7^0.5 / (0.7^0.5 + 0.3^0.5) = 0.604
        a = 0;
        for (int t = 0; t < draws; t++) {
            if (TokenSampler.next(logits, spec(2.0, null, 5), t % 40, t / 40) == 65) {
                a++;
            }
        }
        assertThat(a / (double) draws).isCloseTo(0.604, within(0.03));
    }

    @Test
    void topKKeepsOnlyTheMostLikelyBytes() {
        float[] logits = new float[256];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = i % 17; // bytes 16, 33, 50, ... share the largest logit
        }
        for (int t = 0; t < 500; t++) {
            int token = TokenSampler.next(logits, spec(5.0, 3, 9), 0, t);
            assertThat(token % 17).isEqualTo(16);
            assertThat(token).isIn(16, 33, 50);
        }
    }
}
