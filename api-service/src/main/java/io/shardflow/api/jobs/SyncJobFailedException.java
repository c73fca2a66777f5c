package io.shardflow.api.jobs;

import io.shardflow.core.jobs.JobStatus;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** A synchronous call whose job ended without a result (failed, or cancelled by an operator). */
public class SyncJobFailedException extends RuntimeException {
    private final UUID jobId;
    private final JobStatus status;

    public SyncJobFailedException(UUID jobId, JobStatus status, @Nullable String error) {
        super("job " + jobId + " ended " + status + (error == null ? "" : ": " + error));
        this.jobId = jobId;
        this.status = status;
    }

    public UUID jobId() {
        return jobId;
    }

    public JobStatus status() {
        return status;
    }
}
