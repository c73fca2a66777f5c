package io.shardflow.core.messaging;

/** Kafka consumer groups of the services: the listeners join them and the dashboard reports their lag. */
public final class ConsumerGroups {
    /** Planners and aggregators: every scheduler process, sharing the partitions of jobs and shard results. */
    public static final String SCHEDULER = "shardflow-scheduler";
    /**
     * Compute lanes of every worker. Not a balancing group: each lane assigns itself its slot's partition of the shard
     * tasks and commits its position here only so that operators see the lag.
     */
    public static final String WORKERS = "shardflow-workers";
    /** Intake of job requests from pipelines, shared by every API process. */
    public static final String API = "shardflow-api";

    private ConsumerGroups() {}
}
