package io.shardflow.scheduler.leases;

import io.shardflow.db.jobs.JobRepository;
import io.shardflow.scheduler.SchedulerSettings;
import io.shardflow.scheduler.aggregation.Aggregator;
import io.shardflow.scheduler.planning.JobPlanner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The safety net under the Kafka path: a job whose planning request or last completion notice was lost (sent to
 * a dead-letter topic after the database was briefly away, say) is picked up from its rows. Planning and merging
 * are compare-and-set, so running them twice does nothing twice.
 */
public class JobReconciler {
    private static final Logger log = LoggerFactory.getLogger(JobReconciler.class);
    private static final int BATCH = 50;

    private final JobRepository jobs;
    private final JobPlanner planner;
    private final Aggregator aggregator;
    private final SchedulerSettings settings;
    private final TransactionTemplate tx;

    public JobReconciler(
            JobRepository jobs,
            JobPlanner planner,
            Aggregator aggregator,
            SchedulerSettings settings,
            TransactionTemplate tx) {
        this.jobs = jobs;
        this.planner = planner;
        this.aggregator = aggregator;
        this.settings = settings;
        this.tx = tx;
    }

    @Scheduled(fixedDelayString = "${shardflow.scheduler.reconcile-interval:10s}")
    public void reconcile() {
        try {
            for (var jobId : jobs.queuedAndForgotten(settings.stallAfter(), BATCH)) {
                log.warn("job {} was queued but never planned; planning it now", jobId);
                planner.plan(jobId);
            }
            for (var jobId : jobs.runningWithAllShardsDone(settings.stallAfter(), BATCH)) {
                log.warn("job {} has every shard done but was never merged; merging it now", jobId);
                tx.executeWithoutResult(s -> jobs.find(jobId).ifPresent(aggregator::resync));
            }
        } catch (RuntimeException e) {
            log.warn("reconciliation failed: {}", e.getMessage());
        }
    }
}
