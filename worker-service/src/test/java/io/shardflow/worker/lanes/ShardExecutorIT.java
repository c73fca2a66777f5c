package io.shardflow.worker.lanes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.shardflow.core.jobs.JobInput;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.messaging.ShardCompleted;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.messaging.TaskKind;
import io.shardflow.core.messaging.Topics;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.planning.RowRange;
import io.shardflow.core.planning.ShardLayout;
import io.shardflow.core.shards.ShardFailure;
import io.shardflow.core.shards.ShardStatus;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.db.MutableClock;
import io.shardflow.db.TestDatabase;
import io.shardflow.db.events.JobEventLog;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.lanes.AdmissionSignal;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.db.outbox.OutboxSignal;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.shards.NewShard;
import io.shardflow.db.shards.Rounds;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.messaging.JobEventPublisher;
import io.shardflow.messaging.JobMeters;
import io.shardflow.messaging.JobTracing;
import io.shardflow.messaging.OneRoundEnd;
import io.shardflow.worker.WorkerSettings;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * How a lane ends an attempt, against a real PostgreSQL: a result is stored with its shard DONE and a notice; an
 * exception is reported as a failure (retryable unless the input is bad); an Error writes nothing, so the lease runs
 * out and the shard runs elsewhere. Either way the attempt leaves the in-flight set, so the heartbeat stops
 * extending its lease.
 */
class ShardExecutorIT {
    private static final Duration LEASE = Duration.ofSeconds(30);

    private final TestDatabase db = TestDatabase.get();
    private final MutableClock clock = MutableClock.frozen();
    private final JobRepository jobs = new JobRepository(db.jdbc, clock);
    private final ShardRepository shards = new ShardRepository(db.jdbc, db.template, clock);
    private final Outbox outbox = new Outbox(db.jdbc, new OutboxSignal());
    private final JobEventPublisher events = new JobEventPublisher(
            new JobEventLog(db.jdbc, clock),
            outbox,
            "/shardflow/test",
            event -> {},
            JobMeters.unregistered(),
            JobTracing.off());
    private final ResultStore results = new ResultStore(db.jdbc, db.template, new PartialStore(db.jdbc, db.template));
    private final AtomicReference<ShardComputation> inference = new AtomicReference<>();
    private final AtomicReference<CompletableFuture<byte[]>> generated = new AtomicReference<>();
    /** When set, the generation engine has no room: it refuses tasks with this. */
    private final AtomicReference<QueueFullException> full = new AtomicReference<>();

    private final ShardExecutor executor = executor();

    private ShardExecutor executor() {
        var settings = new WorkerSettings(
                "worker-1",
                2,
                "cpu",
                1,
                8192,
                Duration.ofMillis(200),
                Duration.ofSeconds(2),
                LEASE,
                Duration.ofSeconds(20),
                DataSize.ofMegabytes(64),
                DataSize.ofMegabytes(64),
                DataSize.ofBytes(0),
                new WorkerSettings.Generation(64, 1024));
        var attempts = new Attempts(
                new WorkerIdentity("worker-1", "host"),
                settings,
                jobs,
                shards,
                new PartialStore(db.jdbc, db.template),
                outbox,
                new OneRoundEnd(jobs, new Rounds(jobs, shards), events),
                results,
                new AdmissionSignal(db.jdbc),
                db.jdbc,
                db.tx,
                clock);
        ShardComputation unused = task -> {
            throw new AssertionError("not this computation");
        };
        DeferredComputation generation = task -> {
            var refusal = full.get();
            if (refusal != null) {
                throw refusal;
            }
            return generated.get();
        };
        return new ShardExecutor(
                attempts,
                new Computations(task -> inference.get().compute(task), unused, unused, generation),
                Runnable::run,
                ShardMeters.unregistered(),
                JobTracing.off());
    }

    /** A RUNNING job with one DISPATCHED shard, and the task of its first attempt. */
    private ShardTask dispatched(TaskKind kind) {
        var spec = new JobSpec(
                JobType.INFERENCE,
                new JobSpec.ModelRef(UUID.randomUUID()),
                null,
                new JobInput(null, List.of(new float[] {1})),
                null,
                null,
                null,
                null,
                null);
        var jobId = jobs.insert(UUID.randomUUID(), "lanes", spec, null);
        jobs.transition(jobId, JobStatus.QUEUED, JobStatus.PLANNING);
        jobs.transition(jobId, JobStatus.PLANNING, JobStatus.RUNNING);
        var key = new ShardKey(jobId, 0, 0, 0);
        shards.insertPending(List.of(new NewShard(key, 0, 1, 3)));
        shards.assign(key, 1, "worker-1", 0, clock.instant().plusSeconds(60));
        return new ShardTask(
                jobId,
                0,
                0,
                0,
                1,
                kind,
                spec.model().id(),
                null,
                List.of(),
                null,
                0,
                1,
                0,
                0,
                ShardLayout.data(0),
                null);
    }

    /** A RUNNING data-parallel inference of {@code rows} rows in {@code count} DISPATCHED shards, and their tasks. */
    private List<ShardTask> dataParallel(int count, int rows) {
        var spec = new JobSpec(
                JobType.INFERENCE,
                new JobSpec.ModelRef(UUID.randomUUID()),
                null,
                new JobInput(null, java.util.Collections.nCopies(rows, new float[] {1})),
                null,
                null,
                null,
                null,
                null);
        var jobId = jobs.insert(UUID.randomUUID(), "lanes", spec, null);
        var ranges = new ArrayList<RowRange>();
        var tasks = new ArrayList<ShardTask>();
        for (int i = 0; i < count; i++) {
            var range = new RowRange((long) i * rows / count, (long) (i + 1) * rows / count);
            ranges.add(range);
            var key = new ShardKey(jobId, 0, 0, i);
            shards.insertPending(List.of(new NewShard(key, range.start(), range.end(), 3)));
            shards.assign(key, 1, "worker-1", i, clock.instant().plusSeconds(60));
            tasks.add(new ShardTask(
                    jobId,
                    0,
                    0,
                    i,
                    1,
                    TaskKind.INFER,
                    spec.model().id(),
                    null,
                    List.of(),
                    null,
                    range.start(),
                    range.end(),
                    0,
                    0,
                    ShardLayout.data(i),
                    "lanes"));
        }
        jobs.transition(jobId, JobStatus.QUEUED, JobStatus.PLANNING);
        jobs.recordPlan(jobId, new Plan.DataInference(rows, ranges, Plan.ModelPlan.whole(64, null)), count);
        jobs.transition(jobId, JobStatus.PLANNING, JobStatus.RUNNING);
        return tasks;
    }

    private List<ShardCompleted> notices(UUID jobId) {
        return db.jdbc
                .sql("select payload from outbox where topic = ? and message_key = ? order by id")
                .params(Topics.SHARD_RESULTS, jobId.toString())
                .query((rs, n) -> MessageCodec.decode(rs.getBytes(1), ShardCompleted.class))
                .list();
    }

    private ShardStatus status(ShardTask task) {
        return shards.find(ShardKey.of(task)).orElseThrow().status();
    }

    @Test
    void aResultIsStoredWithItsShardDoneAndANotice() {
        var task = dispatched(TaskKind.INFER);
        inference.set(t -> new byte[] {7});

        executor.execute(task);

        assertThat(status(task)).isEqualTo(ShardStatus.DONE);
        assertThat(new PartialStore(db.jdbc, db.template).readRound(task.jobId(), 0, 0))
                .containsExactly(new byte[] {7});
        assertThat(notices(task.jobId()))
                .singleElement()
                .satisfies(n -> assertThat(n.succeeded()).isTrue());
        assertThat(executor.inFlight()).isEmpty();
        assertThat(executor.tasksDone()).isEqualTo(1);
    }

    @Test
    void theLastShardOfADataParallelInferenceEndsItsJobWithoutANotice() {
        var tasks = dataParallel(2, 4);
        // each shard's two rows of one output: its index
        inference.set(t -> TensorCodec.encode(Tensor.matrix(2, 1, new float[] {t.shardIndex(), t.shardIndex()})));
        var jobId = tasks.getFirst().jobId();

        executor.execute(tasks.get(1));

        var job = jobs.find(jobId).orElseThrow();
        assertThat(job.status()).as("one shard of two is not the round").isEqualTo(JobStatus.RUNNING);
        assertThat(job.shardsDone()).isEqualTo(1);
        assertThat(results.find(jobId)).isEmpty();

        executor.execute(tasks.get(0));

        job = jobs.find(jobId).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.shardsDone()).isEqualTo(2);
        assertThat(results.find(jobId))
                .as("the result is the round's partials in shard order")
                .hasValueSatisfying(
                        bytes -> assertThat(TensorCodec.decode(bytes).data()).containsExactly(0, 0, 1, 1));
        assertThat(notices(jobId))
                .as("no completion notice: nothing waits for one")
                .isEmpty();
        assertThat(new JobEventLog(db.jdbc, clock).timeline(jobId))
                .extracting(JobEventLog.Entry::detail)
                .contains("merged 2 partials");
    }

    @Test
    void aDataParallelInferenceCancelledWhileItsLastShardComputedStaysCancelled() {
        var tasks = dataParallel(1, 2);
        var jobId = tasks.getFirst().jobId();
        inference.set(t -> {
            jobs.finishUnlessTerminal(jobId, JobStatus.CANCELLED, "cancelled by an operator");
            return new byte[] {1};
        });

        executor.execute(tasks.getFirst());

        assertThat(jobs.find(jobId).orElseThrow().status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(results.find(jobId)).isEmpty();
        assertThat(notices(jobId)).isEmpty();
    }

    @Test
    void anAttemptSupersededWhileItComputedIsRefusedAndTheLaterAttemptsPartialStays() {
        var task = dispatched(TaskKind.INFER);
        var key = ShardKey.of(task);
        var partials = new PartialStore(db.jdbc, db.template);
        inference.set(t -> {
            // while this lane computes, its lease runs out and attempt 2 runs and finishes on another worker
            assertThat(shards.requeue(key, 1, "worker worker-1 stopped heartbeating", ShardFailure.LEASE_EXPIRED))
                    .isPresent();
            assertThat(shards.assign(key, 2, "worker-2", 1, clock.instant().plus(LEASE)))
                    .isPresent();
            assertThat(shards.start(key, 2, "worker-2", clock.instant().plus(LEASE)))
                    .isTrue();
            partials.put(key, 2, new byte[] {2});
            assertThat(shards.complete(key, 2)).isTrue();
            return new byte[] {1};
        });

        executor.execute(task);

        assertThat(partials.readRound(task.jobId(), 0, 0)).containsExactly(new byte[] {2});
        assertThat(db.jdbc
                        .sql("select attempt from partials where job_id = ?")
                        .param(task.jobId())
                        .query(Integer.class)
                        .single())
                .isEqualTo(2);
        var shard = shards.find(key).orElseThrow();
        assertThat(shard.status()).isEqualTo(ShardStatus.DONE);
        assertThat(shard.attempt()).isEqualTo(2);
        assertThat(shard.workerId()).isEqualTo("worker-2");
        assertThat(notices(task.jobId()))
                .as("the stale attempt queues no notice")
                .isEmpty();
        assertThat(executor.tasksDone()).isZero();
        assertThat(executor.inFlight()).isEmpty();
    }

    @Test
    void theAttemptIsLeasedFromTheClock() {
        var task = dispatched(TaskKind.INFER);
        inference.set(t -> {
            // PostgreSQL keeps microseconds
            assertThat(shards.find(ShardKey.of(t)).orElseThrow().leaseUntil())
                    .isCloseTo(clock.instant().plus(LEASE), within(1, ChronoUnit.MICROS));
            return new byte[] {1};
        });

        executor.execute(task);

        assertThat(status(task)).isEqualTo(ShardStatus.DONE);
    }

    @Test
    void anExceptionIsReportedAsARetryableFailure() {
        var task = dispatched(TaskKind.INFER);
        inference.set(t -> {
            throw new IllegalStateException("no such tensor");
        });

        executor.execute(task);

        assertThat(notices(task.jobId())).singleElement().satisfies(notice -> {
            assertThat(notice.succeeded()).isFalse();
            assertThat(notice.retryable()).isTrue();
            assertThat(notice.error()).isEqualTo("IllegalStateException: no such tensor");
        });
        assertThat(status(task)).as("the scheduler decides what happens next").isEqualTo(ShardStatus.RUNNING);
        assertThat(executor.inFlight()).isEmpty();
    }

    @Test
    void badInputIsReportedAsAFailureNoRetryCures() {
        var task = dispatched(TaskKind.INFER);
        inference.set(t -> {
            throw new ShardInputException("dataset 'points' has no column 'zz'");
        });

        executor.execute(task);

        assertThat(notices(task.jobId())).singleElement().satisfies(notice -> {
            assertThat(notice.retryable()).isFalse();
            assertThat(notice.error()).isEqualTo("dataset 'points' has no column 'zz'");
        });
    }

    @Test
    void anErrorPassesThroughAndWritesNothing() {
        var task = dispatched(TaskKind.INFER);
        inference.set(t -> {
            throw new OutOfMemoryError("Java heap space");
        });

        assertThatThrownBy(() -> executor.execute(task)).isInstanceOf(OutOfMemoryError.class);

        assertThat(notices(task.jobId())).isEmpty();
        assertThat(status(task)).as("left to its lease").isEqualTo(ShardStatus.RUNNING);
        assertThat(executor.inFlight()).isEmpty();
    }

    @Test
    void aGenerationTaskStaysInFlightUntilTheEngineEndsIt() {
        var task = dispatched(TaskKind.GENERATE);
        var result = new CompletableFuture<byte[]>();
        generated.set(result);

        executor.execute(task);
        assertThat(executor.inFlight()).containsExactly(task);
        result.complete(new byte[] {9});

        assertThat(status(task)).isEqualTo(ShardStatus.DONE);
        assertThat(executor.inFlight()).isEmpty();
    }

    @Test
    void anErrorInTheGenerationEngineWritesNothing() {
        var task = dispatched(TaskKind.GENERATE);
        var result = new CompletableFuture<byte[]>();
        generated.set(result);

        executor.execute(task);
        result.completeExceptionally(new OutOfMemoryError("Java heap space"));

        assertThat(notices(task.jobId())).isEmpty();
        assertThat(executor.inFlight()).isEmpty();
    }

    @Test
    void aTaskOfAnEndedJobIsDroppedUnclaimed() {
        var task = dispatched(TaskKind.INFER);
        jobs.finishUnlessTerminal(task.jobId(), JobStatus.CANCELLED, null);
        inference.set(t -> new byte[] {1});

        executor.execute(task);

        assertThat(status(task)).isEqualTo(ShardStatus.DISPATCHED);
        assertThat(notices(task.jobId())).isEmpty();
    }

    @Test
    void aStoppingWorkerHandsBackWhatIsStillRunning() {
        var task = dispatched(TaskKind.GENERATE);
        generated.set(new CompletableFuture<>());
        executor.execute(task);

        assertThat(executor.handBackUnfinished("its worker stopped")).isEqualTo(1);

        assertThat(executor.inFlight())
                .as("no longer leased by this worker's heartbeat")
                .isEmpty();
        assertThat(notices(task.jobId())).singleElement().satisfies(notice -> {
            assertThat(notice.handedBack()).isTrue();
            assertThat(notice.retryable()).isTrue();
            assertThat(notice.attempt()).isEqualTo(1);
            assertThat(notice.error()).isEqualTo("its worker stopped");
        });
        assertThat(status(task)).as("the scheduler moves it on").isEqualTo(ShardStatus.RUNNING);
    }

    @Test
    void aTaskTheFullEngineRefusesIsHandedBackWithoutHoldingTheLane() {
        var task = dispatched(TaskKind.GENERATE);
        full.set(new QueueFullException("the worker's generation queue is full"));

        // returns at once: the lane goes on to its next task
        executor.execute(task);
        assertThat(executor.inFlight()).as("leased until it is handed back").containsExactly(task);

        await().atMost(Duration.ofSeconds(10))
                .until(() -> !notices(task.jobId()).isEmpty());
        assertThat(notices(task.jobId())).singleElement().satisfies(notice -> {
            assertThat(notice.handedBack()).isTrue();
            assertThat(notice.retryable()).isTrue();
            assertThat(notice.error()).isEqualTo("the worker's generation queue is full");
        });
        assertThat(executor.inFlight()).isEmpty();
    }

    @Test
    void aRefusedTaskThatAStoppingWorkerHandsBackIsHandedBackOnce() {
        var task = dispatched(TaskKind.GENERATE);
        full.set(new QueueFullException("full"));
        executor.execute(task);

        assertThat(executor.handBackUnfinished("its worker stopped")).isEqualTo(1);
        // still one notice once the delayed hand-back's time has passed
        await().during(ShardExecutor.FULL_HAND_BACK_DELAY.plusMillis(500))
                .atMost(Duration.ofSeconds(10))
                .until(() -> notices(task.jobId()).size() == 1);

        assertThat(notices(task.jobId()))
                .singleElement()
                .satisfies(notice -> assertThat(notice.error()).isEqualTo("its worker stopped"));
    }
}
