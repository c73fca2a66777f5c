package io.shardflow.core.training;

import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.models.Task;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * What the scheduler decided for a training job, kept in the job's plan so every worker computes with the same
 * numbers: the architecture, the step counts, the split sizes, the feature scaling learnt on the training split
 * (null without standardisation), where the parameters started, and the checkpoint interval.
 *
 * <p>A round is the shards of one {@code (step, stage)}: stage {@link #COMPUTE_STAGE} computes from parameter
 * version {@code step} (gradients, or local steps up to the next synchronisation); stage {@link #evaluateStage()}
 * evaluates the parameters that round produced on the validation rows, at the end of an epoch.
 *
 * <p>A model-parallel plan keys its tasks its own way ({@link SplitSteps}) and cuts each data shard's part of a
 * batch into {@code microBatches}.
 */
public record TrainingPlan(
        ModelArchitecture architecture,
        int totalSteps,
        int stepsPerEpoch,
        int epochs,
        int syncEvery,
        int trainingRows,
        int validationRows,
        @Nullable FeatureScaling scaling,
        @Nullable UUID initialModelId,
        int checkpointEvery,
        int microBatches) {
    public static final int COMPUTE_STAGE = 0;

    /** The stage key of a data-parallel evaluation round. */
    public int evaluateStage() {
        return 1;
    }

    /** Rounds start at multiples of {@code syncEvery}; this one covers steps {@code [step, roundEnd(step))}. */
    public int roundEnd(int step) {
        return Math.min(totalSteps, step + syncEvery);
    }

    /** The parameter version a task of round {@code (step, stage)} reads: evaluation checks what the round made. */
    public int versionRead(int step, int stage) {
        return stage == evaluateStage() ? roundEnd(step) : step;
    }

    public int epochOf(int step) {
        return step / stepsPerEpoch;
    }

    /** Whether the version made by the steps {@code [from, to)} is checkpointed: every N steps, and the last. */
    public boolean checkpointsAt(int from, int to) {
        return to / checkpointEvery > from / checkpointEvery || to == totalSteps;
    }

    /** Whether the steps {@code [from, to)} end an epoch (the last step ends the last one). */
    public boolean endsEpoch(int from, int to) {
        return to == totalSteps || epochOf(to) > epochOf(from);
    }

    /** The share of {@code samples} a classifier got right, or null for a model that does not classify. */
    public @Nullable Double accuracy(long correct, long samples) {
        return architecture instanceof DenseArchitecture dense && dense.task() == Task.CLASSIFICATION
                ? correct / (double) samples
                : null;
    }
}
