package io.shardflow.worker.lanes;

import io.shardflow.core.messaging.ShardCompleted;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.messaging.TaskKind;
import io.shardflow.core.messaging.Topics;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.worker.WorkerSettings;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs one shard task on the calling lane: claims the attempt, computes the shard (inference or training), then
 * stores the partial, marks the shard DONE and queues the completion notice in one transaction. Whatever
 * happens, the attempt ends with a notice: success, or a failure that says whether a retry can help.
 */
public class ShardExecutor {
    private static final Logger log = LoggerFactory.getLogger(ShardExecutor.class);

    private final WorkerIdentity identity;
    private final WorkerSettings settings;
    private final JobRepository jobs;
    private final ShardRepository shards;
    private final PartialStore partials;
    private final Outbox outbox;
    private final ShardComputation inference;
    private final ShardComputation training;
    private final TransactionTemplate tx;
    private final Set<ShardTask> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicLong done = new AtomicLong();

    public ShardExecutor(WorkerIdentity identity, WorkerSettings settings, JobRepository jobs, ShardRepository shards,
                         PartialStore partials, Outbox outbox, ShardComputation inference, ShardComputation training,
                         TransactionTemplate tx) {
        this.identity = identity;
        this.settings = settings;
        this.jobs = jobs;
        this.shards = shards;
        this.partials = partials;
        this.outbox = outbox;
        this.inference = inference;
        this.training = training;
        this.tx = tx;
    }

    public void execute(ShardTask task) {
        var key = ShardKey.of(task);
        var status = jobs.status(task.jobId());
        if (status.isEmpty() || status.get().isTerminal()) {
            log.debug("dropping {}: job is {}", task.shardKey(), status.map(Enum::name).orElse("gone"));
            return;
        }
        if (!shards.start(key, task.attempt(), identity.id(), Instant.now().plus(settings.lease()))) {
            log.debug("dropping {} attempt {}: stale or already done", task.shardKey(), task.attempt());
            return;
        }
        inFlight.add(task);
        long started = System.nanoTime();
        try {
            byte[] output = task.kind() == TaskKind.INFER ? inference.compute(task) : training.compute(task);
            long millis = (System.nanoTime() - started) / 1_000_000;
            tx.executeWithoutResult(s -> {
                partials.put(key, task.attempt(), output);
                if (!shards.complete(key, task.attempt())) {
                    // the lease ran out and another attempt owns the shard: leave no trace of this one
                    s.setRollbackOnly();
                    return;
                }
                outbox.append(Topics.SHARD_RESULTS, task.jobId(), ShardCompleted.success(task, identity.id(), millis));
            });
            done.incrementAndGet();
        } catch (ShardInputException e) {
            report(task, e.getMessage(), false);
        } catch (Throwable e) {
            // the attempt always ends with a notice, so the scheduler need not wait for its lease to run out
            log.warn("shard {} attempt {} failed", task.shardKey(), task.attempt(), e);
            report(task, e.getClass().getSimpleName() + ": " + e.getMessage(), true);
            if (e instanceof Error error) {
                throw error;
            }
        } finally {
            // from here on the heartbeat no longer extends this attempt's lease
            inFlight.remove(task);
        }
    }

    private void report(ShardTask task, String error, boolean retryable) {
        outbox.append(Topics.SHARD_RESULTS, task.jobId(), ShardCompleted.failure(task, identity.id(), error, retryable));
    }

    public int busyLanes() {
        return inFlight.size();
    }

    /** The attempts the lanes are computing now: the only ones whose leases the heartbeat extends. */
    public Set<ShardTask> inFlight() {
        return Set.copyOf(inFlight);
    }

    public long tasksDone() {
        return done.get();
    }
}
