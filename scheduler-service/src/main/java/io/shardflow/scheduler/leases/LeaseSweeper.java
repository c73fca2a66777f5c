package io.shardflow.scheduler.leases;

import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.scheduler.dispatch.ShardRecovery;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Gives back shards whose lease ran out: a worker that died stops extending its leases, so its shards expire
 * and run again elsewhere. Rows are locked with SKIP LOCKED, so several scheduler replicas may sweep at once.
 */
public class LeaseSweeper {
    private static final Logger log = LoggerFactory.getLogger(LeaseSweeper.class);
    private static final int BATCH = 100;

    private final JobRepository jobs;
    private final ShardRepository shards;
    private final ShardRecovery recovery;
    private final TransactionTemplate tx;

    public LeaseSweeper(JobRepository jobs, ShardRepository shards, ShardRecovery recovery, TransactionTemplate tx) {
        this.jobs = jobs;
        this.shards = shards;
        this.recovery = recovery;
        this.tx = tx;
    }

    @Scheduled(fixedDelayString = "${shardflow.scheduler.sweep-interval:1s}")
    public void sweep() {
        try {
            tx.executeWithoutResult(s -> {
                for (var shard : shards.lockExpired(Instant.now(), BATCH)) {
                    var job = jobs.find(shard.key().jobId()).orElseThrow();
                    if (job.status().isTerminal()) {
                        shards.abandonUnfinished(
                                job.id(), "job " + job.status().name().toLowerCase());
                        continue;
                    }
                    String reason = shard.workerId() == null
                            ? "no worker started it before its lease expired"
                            : "worker " + shard.workerId() + " stopped heartbeating";
                    recovery.attemptEnded(job, shard, reason, true);
                }
            });
        } catch (RuntimeException e) {
            log.warn("lease sweep failed: {}", e.getMessage());
        }
    }
}
