package io.shardflow.db.events;

import io.shardflow.core.jobs.JobStatus;
import java.util.UUID;

/**
 * An application event, raised after the transaction that ended a job commits, for waiters in the same process:
 * they wake at once instead of after the job's lifecycle event has gone round through Kafka.
 */
public record JobEnded(UUID jobId, JobStatus status) {
}
