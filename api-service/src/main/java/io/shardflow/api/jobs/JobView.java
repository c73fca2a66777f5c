package io.shardflow.api.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.training.TrainingSpec;
import io.shardflow.db.jobs.JobRow;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

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
        JobSpec.DatasetRef dataset,
        JobSpec.Parallelism parallelism,
        TrainingSpec training,
        @JsonRawValue String plan,
        Progress progress,
        @JsonRawValue String metrics,
        UUID resultModelId,
        @JsonInclude(JsonInclude.Include.ALWAYS) String error,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Progress(
            int shardsDone, int shardsTotal, Integer step, Integer steps, Integer epoch, Integer epochs) {}

    private record TrainingProgress(Integer step, Integer steps, Integer epoch, Integer epochs) {}

    public static JobView of(JobRow job) {
        var spec = job.spec();
        var training = job.progress() == null
                ? new TrainingProgress(null, null, null, null)
                : MessageCodec.decode(job.progress().getBytes(StandardCharsets.UTF_8), TrainingProgress.class);
        var progress = new Progress(
                job.shardsDone(),
                job.shardsTotal(),
                training.step(),
                training.steps(),
                training.epoch(),
                training.epochs());
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
                progress,
                job.metrics(),
                job.resultModelId(),
                job.error(),
                job.createdAt(),
                job.startedAt(),
                job.finishedAt());
    }
}
