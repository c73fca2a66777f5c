package io.shardflow.db.jobs;

import java.util.UUID;

/**
 * Plans an accepted job in the caller's transaction. The scheduler provides it; an API in the same process (the
 * standalone platform) plans each inference job as it accepts it, sparing the job a trip through Kafka and a
 * transaction of its own. An API on its own sends the job to the scheduler's planner through Kafka instead.
 */
public interface InlinePlanning {
    void plan(UUID jobId);
}
