package io.shardflow.core.training;

/**
 * A training job's progress as its row keeps it and the API shows it.
 *
 * @param step optimiser steps applied
 * @param epoch epochs completed
 */
public record TrainingProgress(int step, int steps, int epoch, int epochs) {

    public static TrainingProgress at(TrainingPlan plan, int step) {
        return new TrainingProgress(
                step, plan.totalSteps(), Math.min(plan.epochs(), step / plan.stepsPerEpoch()), plan.epochs());
    }
}
