package io.shardflow.db.jobs;

import java.time.Instant;

/**
 * Deletes ended jobs with everything that is theirs (shards, partials, results, timelines, training state), in
 * batches, so that no transaction holds many rows; processes that run it at once skip each other's rows. Models the
 * jobs trained stay in the registry.
 */
public class JobRetention {
    /** Jobs deleted per transaction. */
    static final int BATCH = 1_000;

    private final JobRepository jobs;

    public JobRetention(JobRepository jobs) {
        this.jobs = jobs;
    }

    /** Deletes up to {@code max} jobs that ended before {@code before}, oldest first; returns how many went. */
    public int deleteEndedBefore(Instant before, int max) {
        int deleted = 0;
        while (deleted < max) {
            int n = jobs.deleteEnded(before, Math.min(BATCH, max - deleted));
            deleted += n;
            if (n == 0) {
                break;
            }
        }
        return deleted;
    }
}
