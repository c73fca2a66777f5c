package io.shardflow.db.jobs;

import io.shardflow.core.jobs.JobSpec;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A job to insert QUEUED, one of a batch ({@link JobRepository#insertAll}); {@code traceParent} is the trace it was
 * requested in when that is not the current one (a request event's own), null for the current.
 */
public record NewJob(
        UUID id,
        String tenant,
        JobSpec spec,
        @Nullable String idempotencyKey,
        @Nullable String correlationId,
        @Nullable String traceParent) {

    public NewJob(
            UUID id, String tenant, JobSpec spec, @Nullable String idempotencyKey, @Nullable String correlationId) {
        this(id, tenant, spec, idempotencyKey, correlationId, null);
    }
}
