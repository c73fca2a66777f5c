package io.shardflow.scheduler.training;

import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.training.TrainingPlan;
import java.nio.charset.StandardCharsets;

/** The progress and latest metrics a training job shows, as the JSON kept in its row. */
public final class TrainingProgress {
    private TrainingProgress() {}

    /** {@code step}: optimiser steps applied; {@code epoch}: epochs completed. */
    record Progress(int step, int steps, int epoch, int epochs) {}

    /** The latest training loss, and validation loss and accuracy from the last epoch end (null where none). */
    record Metrics(Double loss, Double validationLoss, Double validationAccuracy) {}

    public static String json(TrainingPlan plan, int step) {
        return text(new Progress(
                step, plan.totalSteps(), Math.min(plan.epochs(), step / plan.stepsPerEpoch()), plan.epochs()));
    }

    static String metrics(Double loss, Double validationLoss, Double validationAccuracy) {
        return text(new Metrics(loss, validationLoss, validationAccuracy));
    }

    private static String text(Object value) {
        return new String(MessageCodec.encode(value), StandardCharsets.UTF_8);
    }
}
