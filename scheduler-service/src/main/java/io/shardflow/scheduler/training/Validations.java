package io.shardflow.scheduler.training;

import io.shardflow.core.training.TrainingMetrics;
import io.shardflow.core.training.TrainingPartial;
import io.shardflow.core.training.TrainingPlan;
import io.shardflow.db.training.MetricsStore;
import java.util.List;
import java.util.UUID;

/** An evaluation's figures, whichever split computed them: recorded on the curve and in the job's metrics. */
final class Validations {
    private Validations() {}

    /**
     * Records the validation loss (and accuracy, for a classifier) of the version the round starting at {@code step}
     * made, and returns {@code current} with them; {@code current} as it is when no validation row was scored.
     */
    static TrainingMetrics record(
            MetricsStore metrics,
            UUID jobId,
            TrainingPlan training,
            int step,
            List<TrainingPartial> parts,
            TrainingMetrics current) {
        var totals = TrainingPartial.totals(parts);
        if (totals.samples() == 0) {
            return current;
        }
        Double accuracy = training.accuracy(totals.correct(), totals.samples());
        int last = training.roundEnd(step) - 1;
        metrics.recordValidation(jobId, last, training.epochOf(last), totals.meanLoss(), accuracy);
        return current.withValidation(totals.meanLoss(), accuracy);
    }
}
