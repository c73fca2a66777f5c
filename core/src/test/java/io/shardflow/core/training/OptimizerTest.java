package io.shardflow.core.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.shardflow.core.InvalidSpecException;
import org.junit.jupiter.api.Test;

class OptimizerTest {
    private static TrainingSpec spec(OptimizerKind kind, double lr, Double momentum) {
        return new TrainingSpec(1, null, 8, kind, lr, momentum, null, null, null, null, null, null, null, null, null);
    }

    @Test
    void plainSgdStepsAgainstTheGradient() {
        var sgd = ParameterOptimizer.create(spec(OptimizerKind.SGD, 0.1, null));
        float[][] w = {{1f, -2f}};
        sgd.step(w, new float[][] {{0.5f, -1f}});
        assertThat(w[0]).containsExactly(0.95f, -1.9f);
        assertThat(sgd.state()).isEmpty();
    }

    @Test
    void momentumAccumulatesVelocityAndSurvivesACheckpoint() {
        var spec = spec(OptimizerKind.SGD, 0.1, 0.9);
        var sgd = ParameterOptimizer.create(spec);
        float[][] w = {{0f}};
        sgd.step(w, new float[][] {{1f}});
        var restored = ParameterOptimizer.restore(spec, sgd.state());
        sgd.step(w, new float[][] {{1f}});
        float[][] w2 = {{-0.1f}};
        restored.step(w2, new float[][] {{1f}});
        // v1 = 0.1, v2 = 0.9 * 0.1 + 0.1 = 0.19
        assertThat(w[0][0]).isCloseTo(-0.29f, within(1e-7f));
        assertThat(w2[0][0]).isEqualTo(w[0][0]);
    }

    @Test
    void adamsFirstStepMovesEachWeightByAboutTheLearningRate() {
        var spec = spec(OptimizerKind.ADAM, 0.01, null);
        var adam = ParameterOptimizer.create(spec);
        float[][] w = {{1f, 1f}};
        adam.step(w, new float[][] {{3f, -0.001f}});
        assertThat(w[0][0]).isCloseTo(0.99f, within(1e-6f));
        assertThat(w[0][1]).isCloseTo(1.01f, within(1e-4f));
        var restored = ParameterOptimizer.restore(spec, adam.state());
        float[][] a = {w[0].clone()};
        adam.step(w, new float[][] {{1f, 2f}});
        restored.step(a, new float[][] {{1f, 2f}});
        assertThat(a[0]).containsExactly(w[0]);
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> spec(OptimizerKind.SGD, 0, null))
                .isInstanceOfSatisfying(
                        InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("learningRate"));
        assertThatThrownBy(() -> spec(OptimizerKind.SGD, 0.1, 1.0))
                .isInstanceOfSatisfying(
                        InvalidSpecException.class, e -> assertThat(e.field()).isEqualTo("momentum"));
        assertThatThrownBy(() -> OptimizerKind.parse("rmsprop")).isInstanceOf(InvalidSpecException.class);
        assertThat(OptimizerKind.parse("Adam")).isEqualTo(OptimizerKind.ADAM);
        assertThat(spec(OptimizerKind.SGD, 0.1, null).totalSteps(100)).isEqualTo(13);
    }

    @Test
    void scalingStandardisesWithTheTrainingStatistics() {
        var accumulator = new FeatureScaling.Accumulator(2);
        accumulator.add(new float[] {1, 5}, 0);
        accumulator.add(new float[] {3, 5}, 0);
        var scaling = accumulator.result();
        assertThat(scaling.mean()).containsExactly(2f, 5f);
        assertThat(scaling.std()).containsExactly(1f, 1f); // a constant feature keeps std 1
        float[] rows = {1, 5, 3, 6};
        scaling.apply(rows);
        assertThat(rows).containsExactly(-1f, 0f, 1f, 1f);
    }

    @Test
    void partialsRoundTrip() {
        var partial = new TrainingPartial(new float[][] {{1, 2}, {3}}, 12, 0.25, 7);
        var decoded = TrainingPartial.decode(partial.encode());
        assertThat(decoded.samples()).isEqualTo(12);
        assertThat(decoded.loss()).isEqualTo(0.25);
        assertThat(decoded.correct()).isEqualTo(7);
        assertThat(decoded.tensors()[0]).containsExactly(1, 2);
        assertThat(decoded.tensors()[1]).containsExactly(3);
    }
}
