package io.shardflow.db.jobs;

import io.shardflow.core.jobs.JobSpec;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** A job to insert QUEUED, one of a batch ({@link JobRepository#insertAll}). */
public record NewJob(
        UUID id,
        String tenant,
        JobSpec spec,
        @Nullable String idempotencyKey,
        @Nullable String correlationId) {}
