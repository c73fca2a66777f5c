package io.shardflow.scheduler.leases;

import io.shardflow.db.jobs.JobRepository;
import io.shardflow.scheduler.SchedulerSettings;
import io.shardflow.scheduler.coordination.Coordinators;
import io.shardflow.scheduler.coordination.EarlierPlans;
import io.shardflow.scheduler.planning.JobPlanner;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The safety net under the Kafka path: a job whose planning request or last completion notice was lost (sent to
 * a dead-letter topic after the database was briefly away, say) is picked up from its rows. Planning and merging
 * are compare-and-set under the job's lock, so running them twice does nothing twice. One job's failure is logged
 * and does not stop the others.
 *
 * <p>It also ends what this version cannot continue ({@link EarlierPlans}); the pass keeps looking, since an earlier
 * scheduler may still be planning during a rolling upgrade.
 */
public class JobReconciler {
    private static final Logger log = LoggerFactory.getLogger(JobReconciler.class);
    private static final int BATCH = 50;
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private final JobRepository jobs;
    private final JobPlanner planner;
    private final Coordinators coordinators;
    private final SchedulerSettings settings;
    private final TransactionTemplate tx;
    private final BackgroundPass<UUID> unplanned;
    private final BackgroundPass<UUID> unmerged;
    private final BackgroundPass<UUID> earlier;
    private final EarlierPlans earlierPlans;

    public JobReconciler(
            JobRepository jobs,
            JobPlanner planner,
            Coordinators coordinators,
            SchedulerSettings settings,
            EarlierPlans earlierPlans,
            TransactionTemplate tx,
            Clock clock) {
        this.jobs = jobs;
        this.earlierPlans = earlierPlans;
        this.planner = planner;
        this.coordinators = coordinators;
        this.settings = settings;
        this.tx = tx;
        var first = settings.reconcileInterval();
        this.unplanned = new BackgroundPass<>("planning forgotten jobs", log, clock, first, MAX_BACKOFF);
        this.unmerged = new BackgroundPass<>("resuming unmerged jobs", log, clock, first, MAX_BACKOFF);
        this.earlier = new BackgroundPass<>("ending jobs an earlier version planned", log, clock, first, MAX_BACKOFF);
    }

    @Scheduled(fixedDelayString = "#{@'" + SchedulerSettings.BEAN + "'.reconcileInterval().toMillis()}")
    public void reconcile() {
        // first, so that no pass below takes such a job for one of this version's
        for (var jobId : earlier.find(() -> earlierPlans.running(BATCH))) {
            earlier.run(jobId, () -> endEarlier(jobId));
        }
        for (var jobId : unplanned.find(() -> jobs.queuedAndForgotten(settings.stallAfter(), BATCH))) {
            unplanned.run(jobId, () -> {
                log.warn("job {} was queued but never planned; planning it now", jobId);
                planner.plan(jobId);
            });
        }
        for (var jobId : unmerged.find(() -> jobs.runningWithAllShardsDone(settings.stallAfter(), BATCH))) {
            unmerged.run(jobId, () -> resume(jobId));
        }
    }

    private void endEarlier(UUID jobId) {
        log.warn("job {} is a dense PIPELINE training planned by an earlier version; failing it", jobId);
        tx.executeWithoutResult(s -> jobs.lock(jobId).ifPresent(earlierPlans::failIfEarlier));
    }

    private void resume(UUID jobId) {
        log.warn("job {} has every shard done but was never merged; resuming it now", jobId);
        tx.executeWithoutResult(s -> jobs.lock(jobId)
                .filter(job -> !job.status().isTerminal() && job.plan() != null)
                .ifPresent(job -> coordinators.of(job).resume(job)));
    }
}
