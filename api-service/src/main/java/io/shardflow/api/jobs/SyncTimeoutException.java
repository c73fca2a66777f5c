package io.shardflow.api.jobs;

import java.time.Duration;
import java.util.UUID;

/** A synchronous call whose job did not end in time; the job was cancelled. Answered 504. */
public class SyncTimeoutException extends RuntimeException {
    private final UUID jobId;

    public SyncTimeoutException(UUID jobId, Duration timeout) {
        super("job " + jobId + " did not finish within " + timeout.toMillis() + " ms and was cancelled; "
                + "retry later, raise timeoutMs, or submit it as an asynchronous job");
        this.jobId = jobId;
    }

    public UUID jobId() {
        return jobId;
    }
}
