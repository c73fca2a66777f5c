package io.shardflow.standalone;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.shardflow.core.training.TrainingSchedule;

/**
 * The plain single-process DJL training loop the platform must match: the same initial parameters, the same
 * global batches in the same order (the schedule's), DJL autograd for the gradients and DJL's own optimiser.
 */
final class ReferenceTraining {
    private ReferenceTraining() {}

    enum Loss {
        MSE,
        SOFTMAX_CROSS_ENTROPY
    }

    /**
     * Trains {@code params} (weight, bias, weight, bias...; weights {@code [out][in]}) in place for {@code steps}
     * steps and returns them.
     */
    static float[][] train(
            float[][] params,
            int[] widths,
            Fixtures.Table table,
            java.util.List<String> features,
            String label,
            Loss loss,
            Optimizer optimizer,
            TrainingSchedule schedule,
            int steps) {
        try (NDManager manager = Engine.getEngine("PyTorch").newBaseManager()) {
            var arrays = new NDArray[params.length];
            for (int l = 0; l + 1 < widths.length; l++) {
                arrays[2 * l] = manager.create(params[2 * l], new Shape(widths[l + 1], widths[l]));
                arrays[2 * l + 1] = manager.create(params[2 * l + 1], new Shape(widths[l + 1]));
            }
            for (var a : arrays) {
                a.setRequiresGradient(true);
            }
            for (int step = 0; step < steps; step++) {
                int[] rows = schedule.batch(step);
                var x = new float[rows.length * features.size()];
                var y = new float[rows.length];
                for (int i = 0; i < rows.length; i++) {
                    System.arraycopy(table.row(rows[i], features), 0, x, i * features.size(), features.size());
                    y[i] = table.values()[rows[i]][table.columns().indexOf(label)];
                }
                try (var collector = Engine.getEngine("PyTorch").newGradientCollector();
                        NDManager batch = manager.newSubManager()) {
                    NDArray a = batch.create(x, new Shape(rows.length, features.size()));
                    for (int l = 0; l < arrays.length / 2; l++) {
                        a = Linear.linear(a, arrays[2 * l], arrays[2 * l + 1]).singletonOrThrow();
                        if (l + 1 < arrays.length / 2) {
                            a = Activation.relu(a);
                        }
                    }
                    NDArray value;
                    if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
                        var classes = new long[y.length];
                        for (int i = 0; i < y.length; i++) {
                            classes[i] = (long) y[i];
                        }
                        var oneHot = batch.create(classes).oneHot(widths[widths.length - 1]);
                        value = a.logSoftmax(1)
                                .mul(oneHot)
                                .sum(new int[] {1})
                                .neg()
                                .mean();
                    } else {
                        value = a.sub(batch.create(y, new Shape(y.length, 1)))
                                .square()
                                .mean();
                    }
                    collector.backward(value);
                }
                for (int i = 0; i < arrays.length; i++) {
                    optimizer.update("p" + i, arrays[i], arrays[i].getGradient());
                }
                for (var a : arrays) {
                    a.getGradient().subi(a.getGradient());
                }
            }
            var out = new float[arrays.length][];
            for (int i = 0; i < arrays.length; i++) {
                out[i] = arrays[i].toFloatArray();
            }
            return out;
        }
    }

    static Optimizer adam(float learningRate) {
        return Optimizer.adam()
                .optLearningRateTracker(Tracker.fixed(learningRate))
                .build();
    }

    static Optimizer sgd(float learningRate, float momentum) {
        return Optimizer.sgd()
                .setLearningRateTracker(Tracker.fixed(learningRate))
                .optMomentum(momentum)
                .build();
    }
}
