package io.shardflow.db.jobs;

import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.planning.Plan;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/** A job as stored. */
public record JobRow(
        UUID id,
        String tenant,
        JobType type,
        JobStatus status,
        int priority,
        JobSpec spec,
        String plan,
        int shardsTotal,
        int shardsDone,
        String error,
        long version,
        Instant createdAt,
        Instant updatedAt,
        Instant startedAt,
        Instant finishedAt,
        UUID resultModelId,
        String progress,
        String metrics,
        String correlationId) {

    /** The plan the scheduler recorded; null before planning. */
    public Plan parsedPlan() {
        return plan == null ? null : MessageCodec.decode(plan.getBytes(StandardCharsets.UTF_8), Plan.class);
    }
}
