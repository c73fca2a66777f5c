package io.shardflow.db.jobs;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;

/**
 * A page of jobs, newest first; a null filter matches all. {@code tenant} null means every tenant (operators);
 * {@code search} matches the start of a job id, or a tenant, or an error.
 */
public record JobQuery(String tenant, JobStatus status, JobType type, String search, int page, int size) {
    public JobQuery {
        if (page < 0 || size < 1) {
            throw new IllegalArgumentException("page must be >= 0 and size >= 1");
        }
        search = search == null || search.isBlank() ? null : search.strip();
    }

    public JobQuery(String tenant, JobStatus status, JobType type, int page, int size) {
        this(tenant, status, type, null, page, size);
    }
}
