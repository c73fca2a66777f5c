package io.shardflow.db.jobs;

import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import java.time.Instant;
import java.util.UUID;

/** A job as stored. */
public record JobRow(UUID id, String tenant, JobType type, JobStatus status, int priority, JobSpec spec, String plan,
                     int shardsTotal, int shardsDone, String error, long version, Instant createdAt,
                     Instant updatedAt, Instant startedAt, Instant finishedAt) {
}
