package io.shardflow.core.messaging;

/** Kafka topic names. Keys are job ids so that one consumer sees a job's messages in order. */
public final class Topics {
    /** A job was accepted; the scheduler plans it. */
    public static final String JOBS = "shardflow.jobs";
    /** Work for the workers, one record per shard attempt. */
    public static final String SHARD_TASKS = "shardflow.shard-tasks";
    /** Small completion notices: the partial itself is in PostgreSQL. */
    public static final String SHARD_RESULTS = "shardflow.shard-results";
    /** Lifecycle events as CloudEvents. */
    public static final String JOB_EVENTS = "shardflow.job-events";
    /** Job requests from batch pipelines. */
    public static final String JOB_REQUESTS = "shardflow.job-requests";

    public static final String DEAD_LETTER_SUFFIX = ".DLT";

    private Topics() {}
}
