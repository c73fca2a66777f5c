package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardflow.core.messaging.ConsumerGroups;
import io.shardflow.core.messaging.Topics;
import io.shardflow.standalone.ServiceProcess.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import tools.jackson.databind.JsonNode;

/**
 * Shardflow as operators run it: PostgreSQL and Kafka on their own (the standalone with
 * {@code services=none}, or an operator's PostgreSQL server named by {@code SHARDFLOW_TEST_POSTGRES_URL}), then two
 * APIs, two schedulers and two workers, each its own JVM started from its built jar. A data-parallel training job
 * and a 4-shard inference job run while the scheduler that holds the training job's notices and a worker computing
 * a shard are killed (SIGKILL); a worker is then stopped gracefully (SIGTERM) in the middle of a shard. Every job
 * ends SUCCEEDED exactly once, the results equal undisturbed runs' exactly, and the test prints how long the work
 * took to move on after each kill.
 */
class ClusterIT {
    /** How far a disturbed inference's outputs may be from the undisturbed ones: float32 rounding, as DenseModelTest. */
    private static final double OUTPUT_TOLERANCE = 1e-5;

    private static final List<String> FEATURES = List.of("a", "b", "c");
    private static final int STEPS = 300;

    private final List<ServiceProcess> processes = new ArrayList<>();
    private final AtomicInteger turn = new AtomicInteger();
    private String adminKey = "";

    @AfterEach
    void stopAll() throws InterruptedException {
        for (var process : processes) {
            process.close();
        }
    }

    @Test
    void jobsSurviveKilledSchedulersAndWorkersAndAStoppingWorkerHandsItsShardBack() throws Exception {
        var dataDir = TestPlatform.tempDirectory();
        var server =
                PostgresServer.fromEnvironment().map(PostgresServer::arguments).orElse(List.of());
        try (var servers = ShardflowStandalone.start(TestPlatform.arguments(
                dataDir,
                Stream.concat(Stream.of("--shardflow.standalone.services=none"), server.stream())
                        .toArray(String[]::new)))) {
            var connection = servers.connectionFile();
            var jdbc = jdbc(servers.connection());
            System.out.println("cluster: "
                    + jdbc.sql("select version()").query(String.class).single() + "; Kafka at "
                    + servers.connection().bootstrapServers());

            // either API may create the first ADMIN key (one does: they take a lock in the database)
            var firstKey = "--shardflow.security.admin-key-file=" + dataDir.resolve(ShardflowStandalone.ADMIN_KEY_FILE);
            var apis = List.of(
                    start("api-1", Kind.API, connection, dataDir, firstKey),
                    start("api-2", Kind.API, connection, dataDir, firstKey));
            var schedulers = new ArrayList<>(List.of(
                    start("scheduler-1", Kind.SCHEDULER, connection, dataDir),
                    start("scheduler-2", Kind.SCHEDULER, connection, dataDir)));
            var workers = new ArrayList<>(List.of(
                    start("worker-1", Kind.WORKER, connection, dataDir),
                    start("worker-2", Kind.WORKER, connection, dataDir)));
            processes.forEach(ServiceProcess::awaitReady);
            adminKey = TestPlatform.adminKey(dataDir);

            var trainingData = created(api(apis).postCsv("/api/v1/datasets?name=cluster-training", classes()));
            var inputs = List.of("x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7");
            var tableId = created(api(apis)
                    .postCsv(
                            "/api/v1/datasets?name=cluster-inference",
                            Fixtures.randomTable(41, 20_000, inputs).csv()));
            // wide enough that a shard of 5,000 rows computes for about a second on one lane
            var modelId = created(api(apis)
                    .postJson(
                            "/api/v1/models",
                            Map.of(
                                    "name",
                                    "cluster-mlp",
                                    "architecture",
                                    Map.of("kind", "mlp", "layers", List.of(8, 2048, 2048, 4), "task", "regression"),
                                    "init",
                                    Map.of("seed", 42))));
            var inference = Fixtures.inferenceJob(modelId, tableId, inputs, 4);

            // 1. training and inference while the scheduler holding the training's notices and a busy worker are killed
            var trained = created(api(apis).postJson("/api/v1/jobs", training(trainingData)));
            awaitStep(jdbc, trained, 60);
            var owner = noticeOwner(servers.connection().bootstrapServers(), trained, schedulers);
            int stepAtSchedulerKill = dispatchedStep(jdbc, trained);
            var schedulerKilled = Instant.now();
            owner.kill();
            schedulers.remove(owner);
            var nextRound = await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> firstDispatchAfter(jdbc, trained, stepAtSchedulerKill), Optional::isPresent)
                    .orElseThrow();
            start("scheduler-3", Kind.SCHEDULER, connection, dataDir);

            awaitStep(jdbc, trained, stepAtSchedulerKill + 60);
            var inferred = created(api(apis).postJson("/api/v1/jobs", inference));
            var victim = workers.remove(1);
            var victimId = victim.workerId();
            var running = await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> runningOn(jdbc, inferred, victimId), Optional::isPresent)
                    .orElseThrow();
            var workerKilled = Instant.now();
            victim.kill();
            var rerun = await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> startedAgain(jdbc, inferred, running), Optional::isPresent)
                    .orElseThrow();
            // the replacement hands back at once whatever it is running when told to stop (part 3)
            workers.add(start("worker-3", Kind.WORKER, connection, dataDir, "--shardflow.worker.drain-timeout=0s"));

            var trainedJob = awaitStatus(api(apis), trained, "SUCCEEDED");
            awaitStatus(api(apis), inferred, "SUCCEEDED");
            var inferredDone = jdbc.sql("select finished_at from jobs where id = ?")
                    .param(UUID.fromString(inferred))
                    .query(Timestamp.class)
                    .single()
                    .toInstant();
            var disturbedResult =
                    api(apis).get("/api/v1/jobs/" + inferred + "/result").json();
            assertThat(disturbedResult.get("rows").asInt()).isEqualTo(20_000);
            assertThat(stepAtSchedulerKill).as("killed mid-job").isLessThan(STEPS - 120);

            // 2. the same jobs undisturbed give the same model and the same outputs
            processes.forEach(ServiceProcess::awaitReady);
            var reference = created(api(apis).postJson("/api/v1/jobs", training(trainingData)));
            var referenceInference = created(api(apis).postJson("/api/v1/jobs", inference));
            var referenceJob = awaitStatus(api(apis), reference, "SUCCEEDED");
            awaitStatus(api(apis), referenceInference, "SUCCEEDED");
            // within float32 rounding, not bit for bit: a shard split or run again reads its rest in windows cut
            // elsewhere, and the engine's matrix product may sum a row's terms in another order in a short window
            var undisturbedResult = api(apis)
                    .get("/api/v1/jobs/" + referenceInference + "/result")
                    .json();
            assertThat(maxOutputDifference(disturbedResult, undisturbedResult)).isLessThan(OUTPUT_TOLERANCE);
            var disturbedModel =
                    parameters(apis, trainedJob.get("resultModelId").asString());
            var referenceModel =
                    parameters(apis, referenceJob.get("resultModelId").asString());
            assertThat(TrainingIT.maxDifference(disturbedModel, referenceModel)).isZero();
            assertThat(accuracy(trainedJob)).isEqualTo(accuracy(referenceJob)).isGreaterThan(0.9);
            // a key revoked through one API is refused by the other within a second or two
            var key = apis.get(0).api(adminKey).as("revoked-" + UUID.randomUUID(), "SUBMITTER");
            var elsewhere = apis.get(1).api(String.valueOf(key.key()));
            assertThat(elsewhere.get("/api/v1/jobs").status()).isEqualTo(200);
            var keyId = apis.get(0)
                    .api(adminKey)
                    .get("/api/v1/api-keys")
                    .json()
                    .get(0)
                    .get("id")
                    .asString();
            var revokedAt = Instant.now();
            assertThat(apis.get(0)
                            .api(adminKey)
                            .delete("/api/v1/api-keys/" + keyId)
                            .status())
                    .isEqualTo(204);
            await().atMost(Duration.ofSeconds(2))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> elsewhere.get("/api/v1/jobs").status() == 401);
            var refusedAfter = Duration.between(revokedAt, Instant.now());
            for (var api : apis) {
                // a synchronous call waits in one API process for a job that another process finishes
                var predicted = api.api(adminKey)
                        .postJson(
                                "/api/v1/models/"
                                        + trainedJob.get("resultModelId").asString() + "/predict",
                                Map.of("rows", List.of(List.of(0.5, -0.2, 0.1))));
                assertThat(predicted.status()).as(predicted.text()).isEqualTo(200);
                assertThat(predicted.json().get("rows").asInt()).isEqualTo(1);
            }

            for (var job : List.of(trained, inferred, reference, referenceInference)) {
                assertThat(events(jdbc, job, "io.shardflow.job.running"))
                        .as("planned once")
                        .isEqualTo(1);
                assertThat(events(jdbc, job, "io.shardflow.job.succeeded"))
                        .as("merged once")
                        .isEqualTo(1);
            }
            assertThat(count(jdbc, "select count(*) from models where source_job_id = ?", trained))
                    .isEqualTo(1);
            assertThat(count(jdbc, "select count(*) from job_metrics where job_id = ? and loss is not null", trained))
                    .as("every step merged once")
                    .isEqualTo(STEPS);
            assertThat(count(jdbc, "select count(*) from job_checkpoints where job_id = ?", trained))
                    .isEqualTo(STEPS / 25 + 1);

            // 3. SIGTERM while generating: the worker hands its shard back and exits; the job loses nothing
            var gpt = created(api(apis)
                    .postJson(
                            "/api/v1/models",
                            Map.of(
                                    "name",
                                    "cluster-gpt",
                                    "architecture",
                                    GenerationIT.gpt(4, 4, 128, 512),
                                    "init",
                                    Map.of("seed", 7))));
            var stopping = workers.get(1);
            var stoppingId = stopping.workerId();
            var generation = generation(gpt);
            var generated = created(api(apis).postJson("/api/v1/jobs", generation));
            var held = await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(2))
                    .until(() -> runningOn(jdbc, generated, stoppingId), Optional::isPresent)
                    .orElseThrow();
            var stopAsked = Instant.now();
            int exit = stopping.terminate(Duration.ofSeconds(30));
            var stopTook = Duration.between(stopAsked, Instant.now());
            awaitStatus(api(apis), generated, "SUCCEEDED");
            assertThat(stopping.log()).contains("1 handed back unfinished");
            var again = startedAgain(jdbc, generated, held).orElseThrow();
            assertThat(again.worker()).isEqualTo(workers.get(0).workerId());
            assertThat(jdbc.sql(
                                    "select max_attempts - attempt from shards where job_id = ? and step = ? and shard_index = ?")
                            .params(UUID.fromString(generated), held.step(), held.shard())
                            .query(Integer.class)
                            .single())
                    .as("the hand-back used up no attempt")
                    .isEqualTo(2);
            var undisturbed = created(api(apis).postJson("/api/v1/jobs", generation));
            awaitStatus(api(apis), undisturbed, "SUCCEEDED");
            assertThat(api(apis)
                            .get("/api/v1/jobs/" + generated + "/result")
                            .json()
                            .get("outputs"))
                    .isEqualTo(api(apis)
                            .get("/api/v1/jobs/" + undisturbed + "/result")
                            .json()
                            .get("outputs"));

            System.out.printf(
                    "cluster: a revoked key was refused by the other API after %d ms; scheduler SIGKILL at training step %d: the next round was dispatched %d ms later; worker "
                            + "SIGKILL while running inference shard %s: it started again on %s %d ms later, and the "
                            + "inference ended %d ms after the kill; SIGTERM of a worker generating: "
                            + "exit %d after %d ms, its shard started again on %s %d ms after the SIGTERM%n",
                    refusedAfter.toMillis(),
                    stepAtSchedulerKill,
                    Duration.between(schedulerKilled, nextRound).toMillis(),
                    running,
                    rerun.worker(),
                    Duration.between(workerKilled, rerun.started()).toMillis(),
                    Duration.between(workerKilled, inferredDone).toMillis(),
                    exit,
                    stopTook.toMillis(),
                    again.worker(),
                    Duration.between(stopAsked, again.started()).toMillis());
        }
    }

    private static double accuracy(JsonNode job) {
        return job.get("metrics").get("validationAccuracy").asDouble();
    }

    /** Long enough greedy completions on two shards that a worker is in the middle of one when it is stopped. */
    private static Map<String, Object> generation(String gptId) {
        return GenerationIT.generationJob(
                gptId,
                List.of("Once upon a time", "In the beginning", "It was the best of times", "Call me Ishmael"),
                Map.of("maxTokens", 400, "temperature", 0),
                Map.of("strategy", "DATA", "dataShards", 2));
    }

    /** Requests go to the APIs in turn, as a load balancer would send them. */
    private Api api(List<ServiceProcess> apis) {
        return apis.get(Math.floorMod(turn.getAndIncrement(), apis.size())).api(adminKey);
    }

    private ServiceProcess start(String name, Kind kind, Path connection, Path logs, String... settings) {
        var process = ServiceProcess.start(name, kind, connection, logs, settings);
        processes.add(process);
        return process;
    }

    private static JdbcClient jdbc(Connection connection) {
        var source = new DriverManagerDataSource(connection.jdbcUrl(), connection.username(), connection.password());
        return JdbcClient.create(source);
    }

    /** 400 labelled rows of three features, two classes split by a plane. */
    static String classes() {
        var csv = new StringBuilder("a,b,c,class\n");
        var random = new Random(2);
        for (int i = 0; i < 400; i++) {
            double a = random.nextGaussian();
            double b = random.nextGaussian();
            double c = random.nextGaussian();
            csv.append(a).append(',').append(b).append(',').append(c).append(',');
            csv.append(a + 0.5 * b - c > 0 ? 1 : 0).append('\n');
        }
        return csv.toString();
    }

    private static Map<String, Object> training(String datasetId) {
        return training(datasetId, STEPS);
    }

    /** A data-parallel training job (two shards) of {@code steps} steps on {@link #classes()}, checkpointed every 25. */
    static Map<String, Object> training(String datasetId, int steps) {
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "TRAINING");
        job.put(
                "model",
                Map.of("architecture", Map.of("kind", "mlp", "layers", List.of(3, 8, 2), "task", "classification")));
        job.put("dataset", Map.of("id", datasetId, "features", FEATURES, "label", "class"));
        job.put("parallelism", Map.of("strategy", "DATA", "dataShards", 2));
        job.put(
                "training",
                Map.of(
                        "steps",
                        steps,
                        "batchSize",
                        16,
                        "optimizer",
                        "adam",
                        "learningRate",
                        0.01,
                        "seed",
                        9,
                        "validationSplit",
                        0.2,
                        "checkpointEvery",
                        25));
        return job;
    }

    static void awaitStep(JdbcClient jdbc, String jobId, int step) {
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> dispatchedStep(jdbc, jobId) >= step);
    }

    /** The highest training step dispatched so far. */
    static int dispatchedStep(JdbcClient jdbc, String jobId) {
        return jdbc.sql("select coalesce(max(step), 0) from shards where job_id = ?")
                .param(UUID.fromString(jobId))
                .query(Integer.class)
                .single();
    }

    private static Optional<Instant> firstDispatchAfter(JdbcClient jdbc, String jobId, int step) {
        return jdbc.sql("select min(dispatched_at) from shards where job_id = ? and step > ?")
                .params(UUID.fromString(jobId), step)
                .query(Timestamp.class)
                .optional()
                .map(Timestamp::toInstant);
    }

    record Attempt(int step, int shard, int attempt) {}

    record Restart(String worker, Instant started) {}

    private static Optional<Attempt> runningOn(JdbcClient jdbc, String jobId, String worker) {
        return jdbc.sql("select step, shard_index, attempt from shards where job_id = ? and status = 'RUNNING' "
                        + "and worker_id = ? limit 1")
                .params(UUID.fromString(jobId), worker)
                .query((rs, n) -> new Attempt(rs.getInt(1), rs.getInt(2), rs.getInt(3)))
                .optional();
    }

    /** When a later attempt of a lost shard started, and where. */
    private static Optional<Restart> startedAgain(JdbcClient jdbc, String jobId, Attempt lost) {
        return jdbc.sql("select worker_id, started_at from shards where job_id = ? and step = ? and shard_index = ? "
                        + "and attempt > ? and started_at is not null")
                .params(UUID.fromString(jobId), lost.step(), lost.shard(), lost.attempt())
                .query((rs, n) ->
                        new Restart(rs.getString(1), rs.getTimestamp(2).toInstant()))
                .optional();
    }

    /**
     * The scheduler whose consumer holds the partition of {@code jobId}'s shard notices (keyed by job, so one
     * partition): killing it strands the job's next notices until the broker gives that partition to another.
     */
    private static ServiceProcess noticeOwner(String bootstrap, String jobId, List<ServiceProcess> schedulers)
            throws Exception {
        try (var admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            int partitions = admin.describeTopics(List.of(Topics.SHARD_RESULTS))
                    .allTopicNames()
                    .get()
                    .get(Topics.SHARD_RESULTS)
                    .partitions()
                    .size();
            int partition = Utils.toPositive(Utils.murmur2(jobId.getBytes(StandardCharsets.UTF_8))) % partitions;
            var group = admin.describeConsumerGroups(List.of(ConsumerGroups.SCHEDULER))
                    .all()
                    .get()
                    .get(ConsumerGroups.SCHEDULER);
            for (var member : group.members()) {
                boolean holds = member.assignment().topicPartitions().stream()
                        .anyMatch(p -> p.topic().equals(Topics.SHARD_RESULTS) && p.partition() == partition);
                if (holds) {
                    return schedulers.stream()
                            .filter(s -> member.clientId().startsWith(s.name + "-"))
                            .findFirst()
                            .orElseThrow(() -> new AssertionError("no scheduler is " + member.clientId()));
                }
            }
            throw new AssertionError("no scheduler holds " + Topics.SHARD_RESULTS + "-" + partition + ": " + group);
        }
    }

    private float[][] parameters(List<ServiceProcess> apis, String modelId) {
        return TrainingIT.flat(apis.getFirst()
                .api(adminKey)
                .get("/api/v1/models/" + modelId + "/parameters")
                .json());
    }

    static long events(JdbcClient jdbc, String jobId, String type) {
        return jdbc.sql("select count(*) from job_events where job_id = ? and type = ?")
                .params(UUID.fromString(jobId), type)
                .query(Long.class)
                .single();
    }

    static long count(JdbcClient jdbc, String sql, String jobId) {
        return jdbc.sql(sql).param(UUID.fromString(jobId)).query(Long.class).single();
    }

    /** The largest difference between two results' outputs; they must have the same rows and columns. */
    private static double maxOutputDifference(JsonNode a, JsonNode b) {
        assertThat(a.get("rows")).isEqualTo(b.get("rows"));
        assertThat(a.get("columns")).isEqualTo(b.get("columns"));
        var rowsA = a.get("outputs");
        var rowsB = b.get("outputs");
        assertThat(rowsA.size()).isEqualTo(rowsB.size());
        double max = 0;
        for (int r = 0; r < rowsA.size(); r++) {
            assertThat(rowsA.get(r).size()).isEqualTo(rowsB.get(r).size());
            for (int c = 0; c < rowsA.get(r).size(); c++) {
                max = Math.max(
                        max,
                        Math.abs(rowsA.get(r).get(c).asDouble()
                                - rowsB.get(r).get(c).asDouble()));
            }
        }
        return max;
    }
}
