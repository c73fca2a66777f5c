package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardflow.core.messaging.ShardCompleted;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.messaging.Topics;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.shards.ShardFailure;
import io.shardflow.core.shards.ShardStatus;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.training.TrainingPartial;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.shards.ShardRow;
import io.shardflow.scheduler.admission.LaneTasks;
import io.shardflow.worker.lanes.Attempts;
import io.shardflow.worker.lanes.Computed;
import io.shardflow.worker.lanes.Lanes;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A training job's result depends on its spec alone: run twice, it ends with bit-identical parameters, though the
 * second run has a shard re-dispatched after its lease expired (the stalled attempt then completes late), every task
 * and completion notice delivered twice, and the garbage collector running all the while, as in a busy JVM.
 */
class RepeatableTrainingIT {
    private static final int STEPS = 10;
    private static final int BATCH = 32;
    private static final GptArchitecture ARCHITECTURE = new GptArchitecture(2, 4, 64, 64);

    private final ShardflowStandalone platform = TestPlatform.shared();
    private final Api api = TestPlatform.api(platform);

    @Test
    void aJobEndsBitIdenticalWhateverRedeliveryAndGarbageCollectionHappenMeanwhile() throws Exception {
        String text = GptTrainingIT.genesis().substring(0, 12_000);
        String dataset = created(api.postText("/api/v1/datasets?name=repeatable&format=text", text));
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "TRAINING");
        job.put(
                "model",
                Map.of(
                        "architecture",
                        GenerationIT.gpt(
                                ARCHITECTURE.layers(),
                                ARCHITECTURE.heads(),
                                ARCHITECTURE.dModel(),
                                ARCHITECTURE.context())));
        job.put("dataset", Map.of("id", dataset));
        job.put("parallelism", Map.of("strategy", "DATA", "dataShards", 2));
        job.put(
                "training",
                Map.of(
                        "steps",
                        STEPS,
                        "batchSize",
                        BATCH,
                        "optimizer",
                        "adam",
                        "learningRate",
                        0.01,
                        "seed",
                        21,
                        "validationSplit",
                        0.1));

        long started = System.nanoTime();
        String calm = created(api.postJson("/api/v1/jobs", job));
        var expected = parameters(
                awaitStatus(api, calm, "SUCCEEDED").get("resultModelId").asString());
        long calmEnded = System.nanoTime();
        String disturbed = disturbedRun(job);
        var actual = parameters(
                awaitStatus(api, disturbed, "SUCCEEDED").get("resultModelId").asString());
        System.out.printf(
                "repeatable training: calm run %.1f s, disturbed run %.1f s%n",
                (calmEnded - started) / 1e9, (System.nanoTime() - calmEnded) / 1e9);

        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        for (var name : expected.keySet()) {
            float[] want = expected.get(name).data();
            float[] got = actual.get(name).data();
            assertThat(differing(want, got))
                    .as("values of %s that differ from the calm run", name)
                    .isZero();
        }
        // one partial per shard and round: each step averaged exactly one global batch
        var points = api.get("/api/v1/jobs/" + disturbed + "/metrics").json().get("points");
        assertThat(points.size()).isEqualTo(STEPS);
        for (var point : points) {
            assertThat(point.get("samples").asLong())
                    .as("samples of step %d", point.get("step").asInt())
                    .isEqualTo(BATCH);
        }
        // the stalled shard ran again elsewhere, and no attempt failed to compute
        var shards = platform.context().getBean(ShardRepository.class).list(UUID.fromString(disturbed));
        var redone = shards.getFirst();
        assertThat(redone.key().step()).isZero();
        assertThat(redone.status()).isEqualTo(ShardStatus.DONE);
        assertThat(redone.attempt()).isGreaterThanOrEqualTo(2);
        assertThat(redone.workerId()).isNotEqualTo("a-stalled-worker");
        assertThat(shards)
                .filteredOn(shard -> shard.failure() == ShardFailure.COMPUTE)
                .as("attempts that failed computing")
                .isEmpty();
    }

    /**
     * Submits the job with the lanes stopped; shard 0 of the first round is taken by a worker that stalls, and its
     * lease runs out, so the sweeper dispatches attempt 2. The stalled attempt then completes with a partial of
     * its own, which must count for nothing. The lanes start, and until the job ends every task and completion
     * notice is published a second time while the garbage collector runs over and over.
     */
    private String disturbedRun(Map<String, Object> job) throws Exception {
        var context = platform.context();
        var jdbc = context.getBean(JdbcClient.class);
        var shards = context.getBean(ShardRepository.class);
        var lanes = context.getBean(Lanes.class);
        lanes.stop();
        String jobId;
        UUID id;
        try {
            jobId = created(api.postJson("/api/v1/jobs", job));
            id = UUID.fromString(jobId);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> jdbc.sql("select count(*) from shards where job_id = ? and status = 'PENDING'")
                                    .param(id)
                                    .query(Long.class)
                                    .single()
                            == 2);
            var first = new ShardKey(id, 0, 0, 0);
            var lease = Duration.ofSeconds(30);
            assertThat(shards.assign(
                            first,
                            1,
                            "a-stalled-worker",
                            63,
                            TestPlatform.CLOCK.instant().plus(lease)))
                    .isPresent();
            assertThat(shards.start(
                            first,
                            1,
                            "a-stalled-worker",
                            TestPlatform.CLOCK.instant().plus(lease)))
                    .isTrue();
            var stalled = task(jobs().find(id).orElseThrow(), shards.find(first).orElseThrow());
            TestPlatform.CLOCK.advance(lease.plusSeconds(1));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> shards.find(first).orElseThrow().attempt() == 2);

            // the stalled attempt ends late, with a partial unlike any real one: it must change nothing
            var bogus = ARCHITECTURE.parameterShapes().values().stream()
                    .map(shape -> {
                        var values = new float[Arrays.stream(shape).reduce(1, Math::multiplyExact)];
                        Arrays.fill(values, 1e3f);
                        return values;
                    })
                    .toArray(float[][]::new);
            assertThat(context.getBean(Attempts.class)
                            .complete(
                                    stalled,
                                    new Computed(new TrainingPartial(bogus, 1_000, 0, 0).encode(), stalled.rowEnd()),
                                    0))
                    .as("the stalled attempt's late write is accepted")
                    .isFalse();
            assertThat(shards.find(first).orElseThrow())
                    .extracting(ShardRow::status, ShardRow::attempt)
                    .containsExactly(ShardStatus.PENDING, 2);
            assertThat(jdbc.sql("select count(*) from partials where job_id = ?")
                            .param(id)
                            .query(Long.class)
                            .single())
                    .isZero();
        } finally {
            lanes.start();
        }

        var duplicated = new AtomicInteger();
        var background = Executors.newScheduledThreadPool(2);
        try {
            // often enough to land between some lane's forward and backward pass, seldom enough that the broker
            // in this JVM keeps up with its heartbeats through the pauses
            background.scheduleWithFixedDelay(System::gc, 0, 250, TimeUnit.MILLISECONDS);
            var seen = new HashSet<String>();
            background.scheduleWithFixedDelay(() -> duplicate(id, seen, duplicated), 0, 10, TimeUnit.MILLISECONDS);
            awaitStatus(api, jobId, "SUCCEEDED");
        } finally {
            background.shutdownNow();
            assertThat(background.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(duplicated.get()).as("records published twice").isGreaterThan(2 * STEPS);
        return jobId;
    }

    /**
     * Publishes each shard attempt's task a second time, and the completion notice of each one DONE, as an
     * at-least-once broker or relay may.
     */
    private void duplicate(UUID id, Set<String> seen, AtomicInteger duplicated) {
        var context = platform.context();
        var outbox = context.getBean(Outbox.class);
        var tasks = new LaneTasks(outbox);
        context.getBean(TransactionTemplate.class).executeWithoutResult(s -> {
            JobRow job = jobs().find(id).orElseThrow();
            for (var shard : context.getBean(ShardRepository.class).list(id)) {
                var key = shard.key();
                String attempt = key + "#" + shard.attempt();
                var slot = shard.laneSlot();
                if (slot != null && seen.add(attempt)) {
                    tasks.send(job, job.planned(), shard, slot);
                    duplicated.incrementAndGet();
                }
                if (shard.status() == ShardStatus.DONE && seen.add(attempt + " done")) {
                    outbox.append(Topics.SHARD_RESULTS, id, ShardCompleted.success(task(job, shard), "a-duplicate", 0));
                    duplicated.incrementAndGet();
                }
            }
        });
    }

    /** The task of the shard's current attempt, as the dispatcher makes it. */
    private static ShardTask task(JobRow job, ShardRow shard) {
        var plan = job.planned();
        var key = shard.key();
        var dataset = job.spec().dataset();
        return new ShardTask(
                job.id(),
                key.step(),
                key.stage(),
                key.shardIndex(),
                shard.attempt(),
                plan.taskKind(key.step(), key.stage()),
                job.spec().model().id(),
                dataset == null ? null : dataset.id(),
                List.of(),
                null,
                shard.rowStart(),
                shard.rowEnd(),
                plan.parameterVersion(key.step(), key.stage()),
                plan.localSteps(key.step(), key.stage()),
                plan.layout(key.step(), key.stage(), key.shardIndex()),
                job.tenant());
    }

    private JobRepository jobs() {
        return platform.context().getBean(JobRepository.class);
    }

    private Map<String, Tensor> parameters(String modelId) {
        var models = platform.context().getBean(ModelRepository.class);
        return models.loadNamed(models.find(UUID.fromString(modelId)).orElseThrow());
    }

    /** How many values differ in their bits. */
    private static int differing(float[] expected, float[] actual) {
        assertThat(actual).hasSameSizeAs(expected);
        int differing = 0;
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                differing++;
            }
        }
        return differing;
    }
}
