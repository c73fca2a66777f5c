package io.shardflow.api.jobs;

import java.util.UUID;

/** A synchronous call still waiting when the server stopped; its job was cancelled. Answered 503, to retry. */
public class SyncStoppedException extends RuntimeException {
    private final UUID jobId;

    public SyncStoppedException(UUID jobId) {
        super("the server is stopping: job " + jobId + " was cancelled before it finished; send the call again");
        this.jobId = jobId;
    }

    public UUID jobId() {
        return jobId;
    }
}
