package io.shardflow.db.jobs;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import org.jspecify.annotations.Nullable;

/**
 * A page of jobs, newest first; a null filter matches all. {@code tenant} null means every tenant (operators);
 * {@code search} matches the start of a job id, or a tenant, or an error.
 */
public record JobQuery(
        @Nullable String tenant,
        @Nullable JobStatus status,
        @Nullable JobType type,
        @Nullable String search,
        int page,
        int size) {
    public JobQuery {
        if (page < 0 || size < 1) {
            throw new IllegalArgumentException("page must be >= 0 and size >= 1");
        }
        search = search == null || search.isBlank() ? null : search.strip();
    }

    public JobQuery(@Nullable String tenant, @Nullable JobStatus status, @Nullable JobType type, int page, int size) {
        this(tenant, status, type, null, page, size);
    }
}
