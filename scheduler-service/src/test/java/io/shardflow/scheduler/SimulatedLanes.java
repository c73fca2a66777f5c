package io.shardflow.scheduler;

import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.messaging.ShardCompleted;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.messaging.Topics;
import io.shardflow.db.TestDatabase;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.scheduler.admission.Admission;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Worker lanes as the scheduler sees them, without a broker or an engine: {@value #LANES} lanes of one worker
 * (registered as ready, in place of any earlier test's), admission passes that give them tasks, tasks taken from the
 * outbox rows admission wrote, a task's output is whatever the test computes for it, and it is stored, completed and
 * noticed exactly as a worker does (claim the attempt, upsert the partial, mark the shard DONE).
 */
final class SimulatedLanes {
    private static final Duration LEASE = Duration.ofSeconds(30);
    static final int LANES = 16;

    private final TestDatabase db;
    private final ShardRepository shards;
    private final PartialStore partials;
    private final Admission admission;
    private final Clock clock;
    private final String worker = "simulated-" + UUID.randomUUID();

    SimulatedLanes(TestDatabase db, Clock clock) {
        this.db = db;
        this.shards = new ShardRepository(db.jdbc, db.template, clock);
        this.partials = new PartialStore(db.jdbc, db.template);
        this.admission = SchedulerProcess.admission(db, clock);
        this.clock = clock;
        db.jdbc.sql("delete from lanes").update();
        for (int slot = 0; slot < LANES; slot++) {
            db.jdbc
                    .sql("insert into lanes (slot, worker_id, lane_index, device, ready, lease_until, claimed_at) "
                            + "values (?, ?, ?, 'cpu()', true, timestamp '3000-01-01', now())")
                    .params(slot, worker, slot)
                    .update();
        }
    }

    /**
     * The job's tasks admission gives the lanes now, oldest first; they are taken off the outbox, as a consumer
     * would.
     */
    List<ShardTask> take(UUID jobId) {
        admission.pass();
        var rows = db.jdbc
                .sql("delete from outbox where topic = ? and message_key like ? returning id, payload")
                .params(Topics.SHARD_TASKS, jobId + "/%")
                .query((rs, n) -> new Object[] {rs.getLong(1), rs.getBytes(2)})
                .list();
        return rows.stream()
                .sorted(java.util.Comparator.comparingLong(r -> (Long) r[0]))
                .map(r -> MessageCodec.decode((byte[]) r[1], ShardTask.class))
                .toList();
    }

    /** Runs the task's attempt; the notice its lane would send, or null when the attempt is stale. */
    ShardCompleted run(ShardTask task, Function<ShardTask, byte[]> compute) {
        var key = ShardKey.of(task);
        if (!shards.start(key, task.attempt(), worker, clock.instant().plus(LEASE))) {
            return null;
        }
        byte[] output = compute.apply(task);
        return db.tx.execute(s -> {
            partials.put(key, task.attempt(), output);
            if (!shards.complete(key, task.attempt())) {
                s.setRollbackOnly();
                return null;
            }
            return ShardCompleted.success(task, worker, 1);
        });
    }

    /** A failed attempt's notice, as a lane sends it. */
    ShardCompleted failed(ShardTask task, String error, boolean retryable) {
        return ShardCompleted.failure(task, worker, error, retryable);
    }
}
