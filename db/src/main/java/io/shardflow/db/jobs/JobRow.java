package io.shardflow.db.jobs;

import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.training.TrainingMetrics;
import io.shardflow.core.training.TrainingProgress;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A job as stored.
 *
 * @param plan how the scheduler split it; null before planning
 * @param progress a training job's steps and epochs; null for other jobs and before the first step
 * @param metrics a training job's latest loss and validation figures; null before the first step
 * @param traceParent the W3C traceparent of the request that submitted it: every span of the job is in its trace
 */
public record JobRow(
        UUID id,
        String tenant,
        JobType type,
        JobStatus status,
        int priority,
        JobSpec spec,
        @Nullable Plan plan,
        int shardsTotal,
        int shardsDone,
        @Nullable String error,
        long version,
        Instant createdAt,
        Instant updatedAt,
        @Nullable Instant startedAt,
        @Nullable Instant finishedAt,
        @Nullable UUID resultModelId,
        @Nullable TrainingProgress progress,
        @Nullable TrainingMetrics metrics,
        @Nullable String correlationId,
        @Nullable String traceParent) {

    /** The plan of a job that has one; a job being coordinated always has. */
    public Plan planned() {
        if (plan == null) {
            throw new IllegalStateException("job " + id + " has not been planned");
        }
        return plan;
    }
}
