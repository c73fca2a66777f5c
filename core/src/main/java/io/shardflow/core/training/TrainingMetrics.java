package io.shardflow.core.training;

import org.jspecify.annotations.Nullable;

/** The latest training loss, and validation loss and accuracy from the last epoch end (null where none yet). */
public record TrainingMetrics(
        @Nullable Double loss,
        @Nullable Double validationLoss,
        @Nullable Double validationAccuracy) {

    public static final TrainingMetrics NONE = new TrainingMetrics(null, null, null);

    public TrainingMetrics withLoss(double loss) {
        return new TrainingMetrics(loss, validationLoss, validationAccuracy);
    }

    public TrainingMetrics withValidation(double loss, @Nullable Double accuracy) {
        return new TrainingMetrics(this.loss, loss, accuracy);
    }
}
