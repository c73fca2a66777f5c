package io.shardflow.api.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.training.TrainingMetrics;
import io.shardflow.core.training.TrainingProgress;
import io.shardflow.core.training.TrainingSpec;
import io.shardflow.db.jobs.JobRow;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A job as the API shows it. For training, {@code progress} adds {@code step} (optimiser steps applied),
 * {@code steps}, {@code epoch} (epochs completed) and {@code epochs}; {@code metrics} has the latest training loss
 * and the validation loss and accuracy of the last epoch end; {@code resultModelId} names the trained model.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobView(
        UUID id,
        String tenant,
        JobType type,
        JobStatus status,
        int priority,
        JobSpec.ModelRef model,
        JobSpec.@Nullable DatasetRef dataset,
        JobSpec.Parallelism parallelism,
        @Nullable TrainingSpec training,
        @Nullable Plan plan,
        Progress progress,
        @Nullable TrainingMetrics metrics,
        @Nullable UUID resultModelId,
        @JsonInclude(JsonInclude.Include.ALWAYS) @Nullable String error,
        Instant createdAt,
        @Nullable Instant startedAt,
        @Nullable Instant finishedAt) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Progress(
            int shardsDone,
            int shardsTotal,
            @Nullable Integer step,
            @Nullable Integer steps,
            @Nullable Integer epoch,
            @Nullable Integer epochs) {

        static Progress of(JobRow job) {
            TrainingProgress training = job.progress();
            if (training == null) {
                return new Progress(job.shardsDone(), job.shardsTotal(), null, null, null, null);
            }
            return new Progress(
                    job.shardsDone(),
                    job.shardsTotal(),
                    training.step(),
                    training.steps(),
                    training.epoch(),
                    training.epochs());
        }
    }

    public static JobView of(JobRow job) {
        var spec = job.spec();
        return new JobView(
                job.id(),
                job.tenant(),
                job.type(),
                job.status(),
                job.priority(),
                spec.model(),
                spec.dataset(),
                spec.parallelism(),
                spec.training(),
                job.plan(),
                Progress.of(job),
                job.metrics(),
                job.resultModelId(),
                job.error(),
                job.createdAt(),
                job.startedAt(),
                job.finishedAt());
    }
}
