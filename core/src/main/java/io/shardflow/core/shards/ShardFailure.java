package io.shardflow.core.shards;

/** Why a shard's last attempt did not end DONE, so readers need not parse its error message. */
public enum ShardFailure {
    /** The computation failed: bad input, or an error that retries did not cure. */
    COMPUTE,
    /** Its worker stopped heartbeating, or no worker started it before its lease expired. */
    LEASE_EXPIRED,
    /** The job ended (failed elsewhere or was cancelled) before the shard ran. */
    JOB_ENDED,
    /**
     * Its worker gave the attempt back unfinished: it was stopping, or had no room for the task (a full generation
     * queue). It runs again at once, and the attempt does not count against the shard's {@code maxAttempts}.
     */
    HANDED_BACK
}
