package io.shardflow.scheduler.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.messaging.Topics;
import io.shardflow.core.planning.DataPlanner;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.shards.ShardStatus;
import io.shardflow.db.JobSpecs;
import io.shardflow.db.MutableClock;
import io.shardflow.db.TestDatabase;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.lanes.LaneRegistry;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.db.outbox.OutboxSignal;
import io.shardflow.db.quotas.QuotaDefaults;
import io.shardflow.db.quotas.TenantQuotas;
import io.shardflow.db.shards.NewShard;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardQueue;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.scheduler.dispatch.Dispatcher;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Shards a coordinator queues (a merge's next round, say) are admitted in its own transaction when no other
 * admission pass holds the lock: they leave with its commit, by the same rules as any pass; when another pass holds
 * the lock the coordinator does not wait for it, and a pass after its commit admits them. Against a real PostgreSQL,
 * with one live lane.
 */
class AdmissionWithinIT {
    private static final QuotaDefaults DEFAULTS = new QuotaDefaults(0, 0, 1, Duration.ofSeconds(30));

    private final TestDatabase db = TestDatabase.get();
    private final MutableClock clock = MutableClock.frozen();
    private final JobRepository jobs = new JobRepository(db.jdbc, clock);
    private final ShardRepository shards = new ShardRepository(db.jdbc, db.template, clock);
    private final LaneRegistry lanes = new LaneRegistry(db.jdbc, clock);
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String worker = "w-" + suffix;
    private final Admission admission = new Admission(
            lanes,
            new ShardQueue(db.jdbc),
            shards,
            jobs,
            new TenantQuotas(db.jdbc, DEFAULTS, clock),
            new LaneTasks(new Outbox(db.jdbc, new OutboxSignal())),
            new AdmissionPolicy(Duration.ofMinutes(5)),
            db.jdbc,
            db.tx,
            clock,
            Duration.ofHours(1), // no pass unless woken
            Duration.ofSeconds(30),
            Duration.ofMinutes(5));
    private final Dispatcher dispatcher = new Dispatcher(shards, admission);
    /** Threads of their own: the common pool may have a single one. */
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    private int slot;

    @BeforeEach
    void oneLane() {
        // the one live lane: lanes other test classes left in this database would take the shards too
        db.jdbc.sql("delete from lanes").update();
        slot = lanes.claim(worker, 0, "cpu()", null, 64, clock.instant().plusSeconds(600))
                .orElseThrow();
        assertThat(lanes.ready(slot, worker)).isTrue();
    }

    @AfterEach
    void cleanUp() {
        admission.stop();
        threads.shutdownNow();
        db.jdbc.sql("delete from jobs where tenant = ?").param("t-" + suffix).update();
        db.jdbc.sql("delete from lanes where worker_id = ?").param(worker).update();
    }

    @Test
    void aRoundQueuedInATransactionLeavesWithItsCommit() {
        admission.start();
        var job = running(5);

        db.tx.executeWithoutResult(s -> {
            dispatcher.continueWith(List.of(shard(job)));
            // inside the transaction: dispatched, and its task in the outbox beside it
            assertThat(status(job)).isEqualTo(ShardStatus.DISPATCHED);
            assertThat(tasks(job)).isEqualTo(1);
        });

        assertThat(status(job)).isEqualTo(ShardStatus.DISPATCHED);
        assertThat(shards.find(new ShardKey(job, 0, 0, 0)).orElseThrow().workerId())
                .isEqualTo(worker);
        assertThat(tasks(job)).isEqualTo(1);
    }

    @Test
    void theLaneGoesByTheSameRulesAsInAnyPass() {
        admission.start();
        var waiting = running(9);
        shards.insertPending(List.of(shard(waiting)));
        var merged = running(1);

        db.tx.executeWithoutResult(s -> dispatcher.continueWith(List.of(shard(merged))));

        // the higher priority that waited gets the one lane, not the shard the transaction queued
        assertThat(status(waiting)).isEqualTo(ShardStatus.DISPATCHED);
        assertThat(status(merged)).isEqualTo(ShardStatus.PENDING);
        assertThat(tasks(merged)).isZero();
    }

    @Test
    void whileAnotherPassHoldsTheLockItWaitsForNoneAndAPassAfterCommitAdmits() throws Exception {
        admission.start();
        var job = running(5);
        var locked = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        var holder = CompletableFuture.runAsync(
                () -> db.tx.executeWithoutResult(s -> {
                    db.jdbc
                            .sql("select pg_advisory_xact_lock(hashtext('shardflow.admission'))")
                            .query()
                            .listOfRows();
                    locked.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }),
                threads);
        assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();

        // bounded: a coordinator that waited for the lock would wait here until the holder lets go
        CompletableFuture.runAsync(() -> db.tx.executeWithoutResult(s -> dispatcher.continueWith(List.of(shard(job)))))
                .get(10, TimeUnit.SECONDS);
        assertThat(status(job)).isEqualTo(ShardStatus.PENDING);

        release.countDown();
        holder.get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(status(job)).isEqualTo(ShardStatus.DISPATCHED));
        assertThat(tasks(job)).isEqualTo(1);
    }

    @Test
    void aJobsFirstRoundIsAdmittedByAPassAfterItsCommitNotInsideIt() {
        admission.start();
        var job = running(5);

        db.tx.executeWithoutResult(s -> {
            dispatcher.startShards(List.of(shard(job)));
            // a burst of jobs planned at once is admitted in a few passes, not one in each intake
            assertThat(status(job)).isEqualTo(ShardStatus.PENDING);
        });

        await().atMost(Duration.ofSeconds(10))
                .untilAsserted(() -> assertThat(status(job)).isEqualTo(ShardStatus.DISPATCHED));
    }

    @Test
    void aStoppedAdmissionAdmitsNothingInline() {
        var job = running(5);

        db.tx.executeWithoutResult(s -> dispatcher.continueWith(List.of(shard(job))));

        assertThat(status(job)).isEqualTo(ShardStatus.PENDING);
        assertThat(admission.pass()).isEqualTo(1);
        assertThat(status(job)).isEqualTo(ShardStatus.DISPATCHED);
    }

    /** A planned RUNNING inference job at {@code priority}, one shard over 10 rows. */
    private UUID running(int priority) {
        var id = jobs.insert(UUID.randomUUID(), "t-" + suffix, JobSpecs.anInference(), null);
        jobs.transition(id, JobStatus.QUEUED, JobStatus.PLANNING);
        jobs.recordPlan(id, new Plan.DataInference(10, DataPlanner.split(10, 1), Plan.ModelPlan.whole(100, null)), 1);
        jobs.transition(id, JobStatus.PLANNING, JobStatus.RUNNING);
        jobs.setPriority(id, priority);
        return id;
    }

    private static NewShard shard(UUID job) {
        return new NewShard(new ShardKey(job, 0, 0, 0), 0, 10, 3, 100, true);
    }

    private ShardStatus status(UUID job) {
        return shards.find(new ShardKey(job, 0, 0, 0)).orElseThrow().status();
    }

    private long tasks(UUID job) {
        return db.jdbc
                .sql("select count(*) from outbox where topic = ? and message_key like ?")
                .params(Topics.SHARD_TASKS, job + "%")
                .query(Long.class)
                .single();
    }
}
