package io.shardflow.scheduler.leases;

import io.shardflow.db.jobs.JobRetention;
import io.shardflow.scheduler.SchedulerSettings;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Deletes ended jobs once they are older than {@code shardflow.scheduler.retention}, with their shards, partials,
 * results, timelines and training state; in batches, so that no transaction holds many rows, and by every scheduler
 * alike (each batch skips the rows another is deleting). Models that jobs trained stay in the registry.
 */
public class Retention {
    private static final Logger log = LoggerFactory.getLogger(Retention.class);
    /** Jobs deleted per pass at most, so that a pass after a long pause does not run for minutes. */
    static final int MAX_PER_PASS = 100_000;

    private final JobRetention jobs;
    private final Duration retention;
    private final Clock clock;

    public Retention(JobRetention jobs, SchedulerSettings settings, Clock clock) {
        this.jobs = jobs;
        this.retention = settings.retention();
        this.clock = clock;
    }

    @Scheduled(
            fixedDelayString = "#{@'" + SchedulerSettings.BEAN + "'.retentionInterval().toMillis()}",
            initialDelayString = "#{@'" + SchedulerSettings.BEAN + "'.retentionInterval().toMillis()}")
    public void pass() {
        if (retention.isZero() || retention.isNegative()) {
            return;
        }
        try {
            int deleted = jobs.deleteEndedBefore(clock.instant().minus(retention), MAX_PER_PASS);
            if (deleted > 0) {
                log.info("deleted {} job(s) that ended more than {} ago", deleted, retention);
            }
        } catch (RuntimeException e) {
            log.warn("could not delete old jobs; trying again in the next pass", e);
        }
    }
}
