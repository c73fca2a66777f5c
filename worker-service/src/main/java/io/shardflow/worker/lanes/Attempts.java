package io.shardflow.worker.lanes;

import io.shardflow.core.messaging.ShardCompleted;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.messaging.TaskKind;
import io.shardflow.core.messaging.Topics;
import io.shardflow.core.planning.Plan;
import io.shardflow.db.jdbc.AsyncCommit;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.lanes.AdmissionSignal;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.messaging.OneRoundEnd;
import io.shardflow.worker.WorkerSettings;
import java.time.Clock;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What this worker writes about a shard attempt: it claims the attempt (DISPATCHED → RUNNING under its lease), and
 * ends it either with the partial, DONE and a success notice in one transaction, or with a failure notice; a
 * stopping worker hands back what it has not finished. Every
 * write names the attempt, so a superseded one changes nothing.
 */
public class Attempts {
    private static final Logger log = LoggerFactory.getLogger(Attempts.class);

    private final WorkerIdentity identity;
    private final WorkerSettings settings;
    private final JobRepository jobs;
    private final ShardRepository shards;
    private final PartialStore partials;
    private final Outbox outbox;
    private final OneRoundEnd end;
    private final ResultStore results;
    private final AdmissionSignal admission;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final Clock clock;

    public Attempts(
            WorkerIdentity identity,
            WorkerSettings settings,
            JobRepository jobs,
            ShardRepository shards,
            PartialStore partials,
            Outbox outbox,
            OneRoundEnd end,
            ResultStore results,
            AdmissionSignal admission,
            JdbcClient jdbc,
            TransactionTemplate tx,
            Clock clock) {
        this.identity = identity;
        this.settings = settings;
        this.jobs = jobs;
        this.shards = shards;
        this.partials = partials;
        this.outbox = outbox;
        this.end = end;
        this.results = results;
        this.admission = admission;
        this.jdbc = jdbc;

        this.tx = tx;
        this.clock = clock;
    }

    /**
     * Takes the attempt for this worker; false when it is stale, already done, or its job ended. The commit does not
     * wait for the disk: a claim PostgreSQL loses in a crash leaves the shard DISPATCHED, so this attempt's partial
     * is refused and the shard runs again once its lease runs out. Nothing the claim makes visible is lost work.
     */
    public boolean claim(ShardTask task) {
        return Boolean.TRUE.equals(tx.execute(s -> {
            AsyncCommit.forThisTransaction(jdbc);
            return shards.start(
                    ShardKey.of(task),
                    task.attempt(),
                    identity.id(),
                    clock.instant().plus(settings.lease()));
        }));
    }

    /**
     * Marks the job's first shard as running if no other has begun yet, and says when the job was submitted if this
     * one is that first. In a transaction of its own after the claim (see {@link JobRepository#markFirstRunning}); not
     * waited for on disk, since a crash that loses it loses only a measurement. Only shards of a job's first round
     * ask: no later shard can be the first.
     */
    public Optional<JobRepository.FirstRun> firstRunning(ShardTask task) {
        if (task.step() != 0) {
            return Optional.empty();
        }
        return tx.execute(s -> {
            AsyncCommit.forThisTransaction(jdbc);
            return jobs.markFirstRunning(task.jobId());
        });
    }

    /**
     * Stores the partial, marks the shard DONE and queues the notice; nothing when the attempt lost its lease.
     * Returns false when it had: the write was refused. A shard that {@linkplain Computed#rowEnd() stopped part-way}
     * is split first, in the same transaction: it keeps the rows it did, and the rest is queued as a new shard.
     *
     * <p>A shard of a data-parallel inference needs no notice: its progress is counted here, and the last shard of
     * the round ends the job (the result names the round's partials; nothing to merge). Only admission is told that
     * the lane is free.
     */
    public boolean complete(ShardTask task, Computed computed, long computeMillis) {
        var key = ShardKey.of(task);
        boolean part = computed.rowEnd() < task.rowEnd();
        Boolean written = tx.execute(s -> {
            // the job's lock first, as its coordinators take it: a split takes the round's next index, and the last
            // shard of a data-parallel inference ends the job
            var job = part || task.kind() == TaskKind.INFER
                    ? jobs.lock(task.jobId()).orElse(null)
                    : null;
            if (part) {
                if (shards.split(key, task.attempt(), computed.rowEnd()).isEmpty()) {
                    return false; // no longer current: the rollback below is not needed, nothing was written
                }
                jobs.addShards(task.jobId(), 1);
            }
            partials.put(key, task.attempt(), computed.output());
            if (!shards.complete(key, task.attempt())) {
                // the lease ran out and another attempt owns the shard: leave no trace of this one
                s.setRollbackOnly();
                return false;
            }
            if (job != null && job.plan() instanceof Plan.DataInference) {
                if (!job.status().isTerminal()) {
                    end.shardDone(job, key, (done, step, stage) -> results.putRound(done.id(), step, stage));
                }
                admission.wakeAfterCommit();
            } else {
                outbox.append(
                        Topics.SHARD_RESULTS, task.jobId(), ShardCompleted.success(task, identity.id(), computeMillis));
            }
            return true;
        });
        if (!Boolean.TRUE.equals(written)) {
            // most often a worker cut off (paused, partitioned) past its lease while the shard ran again elsewhere
            log.info(
                    "shard {} attempt {} finished but is no longer current (its lease ran out or its job ended): "
                            + "its partial was refused",
                    task.shardKey(),
                    task.attempt());
            return false;
        }
        return true;
    }

    /**
     * Queues a hand-back notice: this worker gives the attempt up unfinished (it is stopping, or has no room for it),
     * and it runs again without using up an attempt.
     */
    public void handBack(ShardTask task, String reason) {
        outbox.append(Topics.SHARD_RESULTS, task.jobId(), ShardCompleted.handedBack(task, identity.id(), reason));
    }

    /**
     * Queues a failure notice, so the scheduler need not wait for the attempt's lease to run out; with where the
     * failure was thrown, if it was.
     */
    public void fail(ShardTask task, String error, boolean retryable, @Nullable String stackTrace) {
        outbox.append(
                Topics.SHARD_RESULTS,
                task.jobId(),
                ShardCompleted.failure(task, identity.id(), error, retryable, stackTrace));
    }
}
