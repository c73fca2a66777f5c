package io.shardflow.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.core.datasets.DatasetFormat;
import io.shardflow.core.jobs.IllegalTransitionException;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.models.LinearArchitecture;
import io.shardflow.core.models.ParameterSpec;
import io.shardflow.core.planning.ParallelPlanner;
import io.shardflow.core.shards.ShardFailure;
import io.shardflow.core.shards.ShardStatus;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.jobs.JobQuery;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.shards.NewShard;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.shards.ShardRow;
import io.shardflow.db.workers.WorkerRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The repositories against a real PostgreSQL: compare-and-set, idempotency, leases and chunked reads. */
class RepositoriesIT {
    private final TestDatabase db = TestDatabase.get();
    private final JobRepository jobs = new JobRepository(db.jdbc, java.time.Clock.systemUTC());
    private final ShardRepository shards = new ShardRepository(db.jdbc, db.template, java.time.Clock.systemUTC());
    private static final ExecutorService READ_AHEAD = Executors.newVirtualThreadPerTaskExecutor();
    private final DatasetRepository datasets = new DatasetRepository(db.jdbc, db.template, READ_AHEAD);
    private final ModelRepository models = new ModelRepository(db.jdbc, db.template);
    private final PartialStore partials = new PartialStore(db.jdbc, db.template);
    private final ResultStore results = new ResultStore(db.jdbc, db.template, partials);

    @AfterAll
    static void closeReadAhead() {
        READ_AHEAD.close();
    }

    private static JobSpec spec() {
        return JobSpecs.anInference();
    }

    @Test
    void theFleetCountsTheLanesAndTheLargestCapOfLiveWorkersOnly() {
        // a day ahead of every other test's workers, so only these are live to this registry's clock
        var clock = MutableClock.frozen();
        clock.advance(Duration.ofDays(1));
        var registry = new WorkerRegistry(db.jdbc, clock);
        String prefix = "fleet-" + UUID.randomUUID() + "-";
        assertThat(registry.fleet(WorkerRegistry.LIVE, 1))
                .as("none live: the fallback lanes, no cap")
                .isEqualTo(new ParallelPlanner.Fleet(1, Long.MAX_VALUE));

        registry.heartbeat(prefix + "a", "host", 2, 0, List.of("cpu"), 0, 1_000L);
        registry.heartbeat(prefix + "b", "host", 3, 1, List.of("cpu"), 0, 5_000L);
        assertThat(registry.fleet(WorkerRegistry.LIVE, 1)).isEqualTo(new ParallelPlanner.Fleet(5, 5_000));

        registry.heartbeat(prefix + "c", "host", 1, 0, List.of("cpu"), 0, null);
        assertThat(registry.fleet(WorkerRegistry.LIVE, 1))
                .as("a worker without a cap loads any partition")
                .isEqualTo(new ParallelPlanner.Fleet(6, Long.MAX_VALUE));

        clock.advance(WorkerRegistry.LIVE.plusSeconds(1));
        registry.heartbeat(prefix + "a", "host", 2, 0, List.of("cpu"), 0, 1_000L);
        assertThat(registry.fleet(WorkerRegistry.LIVE, 1))
                .as("only the worker heard from lately")
                .isEqualTo(new ParallelPlanner.Fleet(2, 1_000));
        assertThat(registry.fleet(WorkerRegistry.LIVE, 4)).isEqualTo(new ParallelPlanner.Fleet(4, 1_000));
    }

    @Test
    void anIdempotencyKeyReturnsTheFirstJobPerTenant() {
        var key = "key-" + UUID.randomUUID();
        var first = jobs.insert(UUID.randomUUID(), "t1", spec(), key);
        var again = jobs.insert(UUID.randomUUID(), "t1", spec(), key);
        var otherTenant = jobs.insert(UUID.randomUUID(), "t2", spec(), key);
        var noKey1 = jobs.insert(UUID.randomUUID(), "t1", spec(), null);
        var noKey2 = jobs.insert(UUID.randomUUID(), "t1", spec(), null);

        assertThat(again).isEqualTo(first);
        assertThat(otherTenant).isNotEqualTo(first);
        assertThat(noKey1).isNotEqualTo(noKey2);
        assertThat(jobs.find(first).orElseThrow().status()).isEqualTo(JobStatus.QUEUED);
    }

    @Test
    void statusWritesAreCompareAndSet() {
        var id = jobs.insert(UUID.randomUUID(), "t1", spec(), null);

        assertThat(jobs.transition(id, JobStatus.QUEUED, JobStatus.PLANNING)).isTrue();
        assertThat(jobs.transition(id, JobStatus.QUEUED, JobStatus.PLANNING))
                .as("lost race")
                .isFalse();
        assertThatThrownBy(() -> jobs.transition(id, JobStatus.PLANNING, JobStatus.SUCCEEDED))
                .isInstanceOf(IllegalTransitionException.class);
        assertThat(jobs.transition(id, JobStatus.PLANNING, JobStatus.RUNNING)).isTrue();
        var running = jobs.find(id).orElseThrow();
        assertThat(running.startedAt()).isNotNull();
        assertThat(running.version()).isEqualTo(2);

        assertThat(jobs.finishUnlessTerminal(id, JobStatus.CANCELLED, null)).isTrue();
        assertThat(jobs.finishUnlessTerminal(id, JobStatus.FAILED, "late"))
                .as("already ended")
                .isFalse();
        var ended = jobs.find(id).orElseThrow();
        assertThat(ended.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(ended.finishedAt()).isNotNull();
    }

    @Test
    void endedJobsAreFoundInOneQuery() {
        var running = jobs.insert(UUID.randomUUID(), "t1", spec(), null);
        var cancelled = jobs.insert(UUID.randomUUID(), "t1", spec(), null);
        jobs.finishUnlessTerminal(cancelled, JobStatus.CANCELLED, null);
        var gone = UUID.randomUUID();

        assertThat(jobs.ended(java.util.List.of(running, cancelled, gone))).containsExactlyInAnyOrder(cancelled, gone);
    }

    @Test
    void listsFilterByTenantStatusAndTypeNewestFirst() {
        String tenant = "list-" + UUID.randomUUID();
        var a = jobs.insert(UUID.randomUUID(), tenant, spec(), null);
        var b = jobs.insert(UUID.randomUUID(), tenant, spec(), null);
        jobs.finishUnlessTerminal(a, JobStatus.FAILED, "x");

        assertThat(jobs.list(new JobQuery(tenant, null, JobType.INFERENCE, 0, 10)))
                .extracting(r -> r.id())
                .containsExactly(b, a);
        assertThat(jobs.list(new JobQuery(tenant, JobStatus.FAILED, null, 0, 10)))
                .extracting(r -> r.id())
                .containsExactly(a);
        assertThat(jobs.count(new JobQuery(tenant, JobStatus.QUEUED, null, 0, 10)))
                .isEqualTo(1);
        assertThat(jobs.list(new JobQuery(tenant, null, null, 1, 1)))
                .extracting(r -> r.id())
                .containsExactly(a);
    }

    @Test
    void onlyTheCurrentAttemptOfAShardMayRunOrFinish() {
        var jobId = jobs.insert(UUID.randomUUID(), "t1", spec(), null);
        var key = new ShardKey(jobId, 0, 0, 0);
        shards.insertPending(List.of(new NewShard(key, 0, 10, 3)));
        var lease = Instant.now().plus(1, ChronoUnit.MINUTES);
        assertThat(shards.insertPending(List.of(new NewShard(key, 0, 10, 3))))
                .as("a round queued twice is queued once")
                .isZero();
        assertThat(shards.assign(key, 1, "w1", 0, lease)).isPresent();
        assertThat(shards.assign(key, 1, "w2", 1, lease)).as("dispatched once").isEmpty();

        assertThat(shards.start(key, 1, "w2", lease))
                .as("a task dispatched to another worker")
                .isFalse();
        assertThat(shards.start(key, 1, "w1", lease)).isTrue();
        assertThat(shards.start(key, 1, "w1", lease)).as("a redelivered task").isFalse();
        var retried = shards.requeue(key, 1, "lost worker", ShardFailure.LEASE_EXPIRED)
                .orElseThrow();
        assertThat(retried.attempt()).isEqualTo(2);
        assertThat(retried.status()).isEqualTo(ShardStatus.PENDING);
        assertThat(retried.workerId()).isNull();
        assertThat(shards.complete(key, 1)).as("the superseded attempt").isFalse();
        assertThat(shards.assign(key, 2, "w2", 1, lease)).isPresent();
        assertThat(shards.start(key, 2, "w2", lease)).isTrue();
        assertThat(shards.complete(key, 2)).isTrue();
        assertThat(shards.requeue(key, 2, "late", ShardFailure.LEASE_EXPIRED))
                .as("done is done")
                .isEmpty();
        assertThat(shards.countRound(jobId, 0, 0).complete()).isTrue();
        assertThat(shards.countRoundIfLatest(jobId, 0, 0)).hasValue(new ShardRepository.RoundCount(1, 1));
        assertThat(shards.countRoundIfLatest(jobId, 0, 1)).as("no such round").isEmpty();

        shards.insertPending(List.of(new NewShard(new ShardKey(jobId, 1, 0, 0), 0, 10, 3)));
        assertThat(shards.countRoundIfLatest(jobId, 0, 0))
                .as("a later step exists")
                .isEmpty();
        assertThat(shards.countRoundIfLatest(jobId, 1, 0)).hasValue(new ShardRepository.RoundCount(1, 0));
        shards.insertPending(List.of(new NewShard(new ShardKey(jobId, 1, 1, 0), 0, 10, 3)));
        assertThat(shards.countRoundIfLatest(jobId, 1, 0))
                .as("a later stage of the step exists")
                .isEmpty();
    }

    @Test
    void expiredLeasesAreFoundAndHeartbeatsExtendThem() {
        var jobId = jobs.insert(UUID.randomUUID(), "t1", spec(), null);
        var key = new ShardKey(jobId, 0, 0, 0);
        shards.insertPending(List.of(new NewShard(key, 0, 10, 3)));
        var past = Instant.now().minus(1, ChronoUnit.SECONDS);
        shards.assign(key, 1, "dead-" + jobId, 0, Instant.now().plus(1, ChronoUnit.MINUTES));
        shards.start(key, 1, "dead-" + jobId, past);

        List<ShardRow> expired = shards.expired(Instant.now(), 1000);
        assertThat(expired).extracting(ShardRow::key).contains(key);
        assertThat(shards.extendLease(key, 1, "dead-" + jobId, Instant.now().plus(1, ChronoUnit.MINUTES)))
                .isTrue();
        assertThat(shards.extendLease(key, 1, "someone-else", Instant.now().plus(1, ChronoUnit.MINUTES)))
                .isFalse();
        List<ShardRow> afterHeartbeat = shards.expired(Instant.now(), 1000);
        assertThat(afterHeartbeat).extracting(ShardRow::key).doesNotContain(key);
    }

    @Test
    void aRetriedPartialReplacesTheFirstInsteadOfAddingOneAndAStaleOneReplacesNothing() {
        var jobId = jobs.insert(UUID.randomUUID(), "t1", spec(), null);
        var key = new ShardKey(jobId, 0, 0, 1);
        assertThat(partials.put(key, 1, new byte[] {1})).isTrue();
        assertThat(partials.put(key, 2, new byte[] {2})).isTrue();
        assertThat(partials.put(key, 1, new byte[] {9}))
                .as("a stale attempt writes late")
                .isFalse();
        assertThat(partials.put(new ShardKey(jobId, 0, 0, 0), 1, new byte[] {0}))
                .isTrue();

        assertThat(partials.readRound(jobId, 0, 0)).containsExactly(new byte[] {0}, new byte[] {2});
    }

    @Test
    void aResultMadeOfARoundsPartialsReadsAsTheirRowsInShardOrder() {
        var jobId = jobs.insert(UUID.randomUUID(), "t1", spec(), null);
        var first = Tensor.matrix(2, 2, new float[] {1, 2, 3, 4});
        var second = Tensor.matrix(1, 2, new float[] {5, 6});
        partials.put(new ShardKey(jobId, 0, 0, 1), 1, TensorCodec.encode(second));
        partials.put(new ShardKey(jobId, 0, 0, 0), 1, TensorCodec.encode(first));
        partials.put(new ShardKey(jobId, 1, 0, 0), 1, TensorCodec.encode(Tensor.matrix(1, 2, new float[] {9, 9})));

        results.putRound(jobId, 0, 0);

        var joined = TensorCodec.decode(results.find(jobId).orElseThrow());
        assertThat(joined.shape()).containsExactly(3, 2);
        assertThat(joined.data()).containsExactly(1, 2, 3, 4, 5, 6);
        results.put(jobId, TensorCodec.encode(second));
        assertThat(TensorCodec.decode(results.find(jobId).orElseThrow()).data()).containsExactly(5, 6);
        assertThat(results.find(UUID.randomUUID())).isEmpty();
    }

    @Test
    void aRowRangeReadsOnlyItsChunksAndColumnsAcrossChunkBoundaries() {
        var id = UUID.randomUUID();
        int chunkRows = 4;
        datasets.create(id, "t1", "grid", DatasetFormat.CSV, List.of("a", "b", "c"), chunkRows);
        int rows = 10;
        for (int chunk = 0; chunk * chunkRows < rows; chunk++) {
            int n = Math.min(chunkRows, rows - chunk * chunkRows);
            var columns = new float[3][chunkRows];
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < 3; c++) {
                    columns[c][r] = (chunk * chunkRows + r) * 10 + c; // value encodes row and column
                }
            }
            datasets.appendChunk(id, chunk, (long) chunk * chunkRows, n, columns);
        }
        datasets.setRowCount(id, rows);
        var dataset = datasets.find(id).orElseThrow();

        float[] read = datasets.readRows(dataset, new int[] {2, 0}, 3, 9);

        assertThat(read).hasSize(6 * 2);
        for (int r = 0; r < 6; r++) {
            assertThat(read[r * 2]).isEqualTo((3 + r) * 10 + 2);
            assertThat(read[r * 2 + 1]).isEqualTo((3 + r) * 10);
        }
        assertThat(dataset.rows()).isEqualTo(10);
        assertThat(dataset.columns()).containsExactly("a", "b", "c");
    }

    @Test
    void windowsEndOnChunkBoundariesAndTogetherReadTheRange() {
        var id = UUID.randomUUID();
        int chunkRows = 64;
        int width = 5;
        int rows = 1_000;
        datasets.create(id, "t1", "wide", DatasetFormat.CSV, List.of("a", "b", "c", "d", "e"), chunkRows);
        for (int chunk = 0; chunk * chunkRows < rows; chunk++) {
            int n = Math.min(chunkRows, rows - chunk * chunkRows);
            var columns = new float[width][chunkRows];
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < width; c++) {
                    columns[c][r] = (chunk * chunkRows + r) * 10 + c;
                }
            }
            datasets.appendChunk(id, chunk, (long) chunk * chunkRows, n, columns);
        }
        datasets.setRowCount(id, rows);
        var dataset = datasets.find(id).orElseThrow();
        int[] columns = {4, 1, 3};

        var windows = new ArrayList<long[]>();
        var joined = new ArrayList<Float>();
        datasets.forEachWindow(dataset, columns, 37, 1_000, 150, (from, to, window) -> {
            windows.add(new long[] {from, to});
            for (float v : window) {
                joined.add(v);
            }
        });

        assertThat(windows.getFirst()[0]).isEqualTo(37);
        assertThat(windows.getLast()[1]).isEqualTo(1_000);
        for (int w = 0; w < windows.size(); w++) {
            long from = windows.get(w)[0];
            long to = windows.get(w)[1];
            assertThat(to - from).isBetween(1L, 150L);
            if (w > 0) {
                assertThat(from).isEqualTo(windows.get(w - 1)[1]);
            }
            if (to < 1_000) {
                assertThat(to % chunkRows).as("window end %d", to).isZero();
            }
        }
        assertThatThrownBy(() -> datasets.forEachWindow(dataset, columns, 0, 1_000, 128, (from, to, window) -> {
                    if (from > 0) {
                        throw new IllegalStateException("stop at " + from);
                    }
                }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("stop at 128");
        float[] whole = datasets.readRows(dataset, columns, 37, 1_000);
        assertThat(joined).hasSize(whole.length);
        for (int r = 37; r < 1_000; r++) {
            for (int c = 0; c < columns.length; c++) {
                assertThat(whole[(r - 37) * columns.length + c]).isEqualTo(r * 10 + columns[c]);
                assertThat(joined.get((r - 37) * columns.length + c)).isEqualTo(r * 10 + columns[c]);
            }
        }
    }

    @Test
    void windowsStopWhereTheirReaderSaysAndAreSizedOneByOne() {
        var id = UUID.randomUUID();
        int chunkRows = 64;
        int rows = 1_000;
        datasets.create(id, "t1", "columns", DatasetFormat.CSV, List.of("a", "b", "c", "d", "e"), chunkRows);
        for (int chunk = 0; chunk * chunkRows < rows; chunk++) {
            int n = Math.min(chunkRows, rows - chunk * chunkRows);
            var columns = new float[5][chunkRows];
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < 5; c++) {
                    columns[c][r] = (chunk * chunkRows + r) * 10 + c;
                }
            }
            datasets.appendChunk(id, chunk, (long) chunk * chunkRows, n, columns);
        }
        datasets.setRowCount(id, rows);
        var dataset = datasets.find(id).orElseThrow();
        int[] columns = {4, 1, 0};

        var windows = new ArrayList<long[]>();
        long stopped = datasets.forEachWindowWhile(dataset, columns, 37, 1_000, () -> 150, (from, to, window) -> {
            int count = (int) (to - from);
            assertThat(window).hasSize(count * columns.length);
            for (int r = 0; r < count; r++) {
                for (int c = 0; c < columns.length; c++) {
                    assertThat(window[r * columns.length + c])
                            .as("row %d column %d", from + r, columns[c])
                            .isEqualTo((from + r) * 10 + columns[c]);
                }
            }
            windows.add(new long[] {from, to});
            return to < 500;
        });

        assertThat(windows.getFirst()[0]).isEqualTo(37);
        assertThat(stopped)
                .isEqualTo(windows.getLast()[1])
                .isGreaterThanOrEqualTo(500)
                .isLessThan(1_000);
        for (int w = 1; w < windows.size(); w++) {
            assertThat(windows.get(w)[0]).isEqualTo(windows.get(w - 1)[1]);
            assertThat(windows.get(w)[1] - windows.get(w)[0]).isBetween(1L, 150L);
        }
    }

    @Test
    void modelsStoreOneTensorPerParameterAndLoadThemBack() {
        var id = UUID.randomUUID();
        var architecture = new LinearArchitecture(3, 2);
        var layers = new ParameterSpec(new float[][] {{1, 2, 3}, {4, 5, 6}}, new float[] {7, 8}, null)
                .toLayers(architecture);
        models.create(id, "t1", "lin", architecture, layers, ModelRepository.Lineage.NONE);

        var model = models.find(id).orElseThrow();
        assertThat(model.architecture()).isEqualTo(architecture);
        assertThat(model.parameterBytes()).isEqualTo(8 * 4);
        assertThat(models.loadLayers(model)).isEqualTo(layers);
        assertThat(db.jdbc
                        .sql("select count(*) from model_tiles where model_id = ?")
                        .param(id)
                        .query(Integer.class)
                        .single())
                .isEqualTo(2);
    }

    @Test
    void aSliceReadsOnlyTheTilesItTouches() {
        var id = UUID.randomUUID();
        var architecture = new io.shardflow.core.models.MlpArchitecture(List.of(1100, 600, 3), null);
        models.createSeeded(id, "t1", "big", architecture, 5);
        // a 600 x 1100 weight is 2 x 3 tiles of at most 512 x 512
        assertThat(db.jdbc
                        .sql("select count(*) from model_tiles where model_id = ? and name = 'layers.0.weight'")
                        .param(id)
                        .query(Integer.class)
                        .single())
                .isEqualTo(6);
        var whole = models.loadLayers(models.find(id).orElseThrow());
        float[] slice = models.weightSlice(id, 0, 500, 530, 1000, 1100);
        for (int r = 0; r < 30; r++) {
            for (int c = 0; c < 100; c++) {
                assertThat(slice[r * 100 + c])
                        .isEqualTo(whole.getFirst().weight().get(500 + r, 1000 + c));
            }
        }
        float bound = (float) Math.sqrt(6.0 / (1100 + 600));
        for (float w : whole.getFirst().weight().data()) {
            assertThat(Math.abs(w)).isLessThanOrEqualTo(bound);
        }
        assertThat(whole.get(1).bias().data()).containsOnly(0f);
        var again = UUID.randomUUID();
        models.createSeeded(again, "t1", "big", architecture, 5);
        assertThat(models.loadLayers(models.find(again).orElseThrow())).isEqualTo(whole);
    }
}
