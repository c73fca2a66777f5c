package io.shardflow.core.training;

import static io.shardflow.core.InvalidSpecException.require;
import static io.shardflow.core.InvalidSpecException.requireGiven;

/**
 * How to train: the length ({@code epochs} or {@code steps}), the global batch, the optimiser and its settings,
 * how often shards synchronise, the seed for initialisation, split and shuffling, and the checkpoint interval.
 * Defaults follow DJL's optimisers (Adam: beta1 0.9, beta2 0.999, epsilon 1e-8; SGD: no momentum).
 */
public record TrainingSpec(
        Integer epochs,
        Integer steps,
        Integer batchSize,
        OptimizerKind optimizer,
        Double learningRate,
        Double momentum,
        Double beta1,
        Double beta2,
        Double epsilon,
        Integer syncEvery,
        Long seed,
        Double validationSplit,
        Boolean standardize,
        Integer checkpointEvery,
        String resultName) {
    public static final int MAX_STEPS = 10_000_000;

    public TrainingSpec {
        require(epochs == null || steps == null, "steps", "give epochs or steps, not both");
        require(epochs != null || steps != null, "epochs", "give epochs or steps");
        require(epochs == null || (epochs >= 1 && epochs <= 100_000), "epochs", "must be in 1..100000, was " + epochs);
        require(
                steps == null || (steps >= 1 && steps <= MAX_STEPS),
                "steps",
                "must be in 1.." + MAX_STEPS + ", was " + steps);
        requireGiven(batchSize, "batchSize");
        require(batchSize >= 1 && batchSize <= 1_000_000, "batchSize", "must be in 1..1000000, was " + batchSize);
        optimizer = optimizer == null ? OptimizerKind.SGD : optimizer;
        requireGiven(learningRate, "learningRate");
        require(
                learningRate > 0 && Double.isFinite(learningRate),
                "learningRate",
                "must be a finite number > 0, was " + learningRate);
        momentum = momentum == null ? 0.0 : momentum;
        require(momentum >= 0 && momentum < 1, "momentum", "must be in [0, 1), was " + momentum);
        beta1 = beta1 == null ? 0.9 : beta1;
        require(beta1 >= 0 && beta1 < 1, "beta1", "must be in [0, 1), was " + beta1);
        beta2 = beta2 == null ? 0.999 : beta2;
        require(beta2 >= 0 && beta2 < 1, "beta2", "must be in [0, 1), was " + beta2);
        epsilon = epsilon == null ? 1e-8 : epsilon;
        require(epsilon > 0 && Double.isFinite(epsilon), "epsilon", "must be > 0, was " + epsilon);
        syncEvery = syncEvery == null ? 1 : syncEvery;
        require(syncEvery >= 1 && syncEvery <= 10_000, "syncEvery", "must be in 1..10000, was " + syncEvery);
        seed = seed == null ? 0L : seed;
        validationSplit = validationSplit == null ? 0.0 : validationSplit;
        require(
                validationSplit >= 0 && validationSplit <= 0.9,
                "validationSplit",
                "must be in [0, 0.9], was " + validationSplit);
        standardize = standardize != null && standardize;
        require(
                checkpointEvery == null || checkpointEvery >= 1,
                "checkpointEvery",
                "must be >= 1, was " + checkpointEvery);
        require(
                resultName == null || (!resultName.isBlank() && resultName.length() <= 200),
                "resultName",
                "must be 1 to 200 characters");
    }

    /** Total optimiser steps for a training split of {@code trainingRows} rows. */
    public int totalSteps(long trainingRows) {
        if (steps != null) {
            return steps;
        }
        long perEpoch = Math.max(1, (trainingRows + batchSize - 1) / batchSize);
        long total = perEpoch * epochs;
        require(
                total <= MAX_STEPS,
                "epochs",
                epochs + " epochs of " + perEpoch + " steps exceed " + MAX_STEPS + " steps");
        return (int) total;
    }
}
