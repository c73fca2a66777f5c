package io.shardflow.messaging;

import io.shardflow.core.jobs.JobStatus;
import java.util.UUID;

/**
 * An application event for a job that ended, for waiters in the same process, who listen for it after the ending
 * transaction commits: they wake at once instead of after the job's lifecycle event has gone round through Kafka.
 */
public record JobEnded(UUID jobId, JobStatus status) {}
