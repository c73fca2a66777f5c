package io.shardflow.scheduler.leases;

import io.shardflow.core.shards.ShardFailure;
import io.shardflow.core.shards.ShardStatus;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.shards.ShardRow;
import io.shardflow.scheduler.SchedulerSettings;
import io.shardflow.scheduler.dispatch.ShardRecovery;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Gives back shards whose lease ran out: a worker that died stops extending its leases, so its shards expire
 * and run again elsewhere. Each shard is handled in its own transaction with its job locked, after checking again
 * that its lease is still out, so sweepers in several scheduler processes may run at once and one bad row does not
 * hold up the others.
 */
public class LeaseSweeper {
    private static final Logger log = LoggerFactory.getLogger(LeaseSweeper.class);
    private static final int BATCH = 100;

    private final JobRepository jobs;
    private final ShardRepository shards;
    private final ShardRecovery recovery;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final BackgroundPass<ShardKey> pass;

    public LeaseSweeper(
            JobRepository jobs,
            ShardRepository shards,
            ShardRecovery recovery,
            TransactionTemplate tx,
            Clock clock,
            Duration sweepInterval) {
        this.jobs = jobs;
        this.shards = shards;
        this.recovery = recovery;
        this.tx = tx;
        this.clock = clock;
        this.pass = new BackgroundPass<>("sweeping expired leases", log, clock, sweepInterval, Duration.ofMinutes(5));
    }

    @Scheduled(fixedDelayString = "#{@'" + SchedulerSettings.BEAN + "'.sweepInterval().toMillis()}")
    public void sweep() {
        for (var expired : pass.find(() -> shards.expired(clock.instant(), BATCH))) {
            pass.run(expired.key(), () -> tx.executeWithoutResult(s -> giveBack(expired)));
        }
    }

    private void giveBack(ShardRow expired) {
        var job = jobs.lock(expired.key().jobId()).orElse(null);
        var shard = shards.find(expired.key()).orElse(null);
        if (job == null || shard == null || shard.attempt() != expired.attempt() || !stillExpired(shard)) {
            return; // finished, retried or extended meanwhile
        }
        if (job.status().isTerminal()) {
            shards.abandonUnfinished(job.id(), "job " + job.status().name().toLowerCase(Locale.ROOT));
            return;
        }
        String reason = shard.status() == ShardStatus.DISPATCHED
                ? "worker " + shard.workerId() + " did not start it before its lease expired"
                : "worker " + shard.workerId() + " stopped heartbeating";
        recovery.attemptEnded(job, shard, reason, ShardFailure.LEASE_EXPIRED, true);
    }

    private boolean stillExpired(ShardRow shard) {
        return !shard.status().isTerminal()
                && shard.leaseUntil() != null
                && shard.leaseUntil().isBefore(clock.instant());
    }
}
