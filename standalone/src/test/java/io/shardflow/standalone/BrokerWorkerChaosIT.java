package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.assertOutputs;
import static io.shardflow.standalone.Fixtures.created;
import static io.shardflow.standalone.Fixtures.inferenceJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardflow.core.training.TrainingSchedule;
import io.shardflow.standalone.ServiceProcess.Kind;
import java.io.IOException;
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
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.util.FileSystemUtils;
import tools.jackson.databind.JsonNode;

/**
 * Two faults that leave a process alive but unable to act, on a cluster of real processes: the standalone with
 * {@code services=none} (PostgreSQL and the Kafka broker) as one JVM, an API, a scheduler and two one-lane workers as
 * others (see {@link ClusterIT}).
 *
 * <ol>
 *   <li>The broker stopped (SIGSTOP) for 30 s while a training job and three inference jobs run, with jobs submitted
 *       during the pause: each submission is answered 202 (intake writes only to PostgreSQL) or 503 with a
 *       Retry-After, never a 500; after SIGCONT every accepted job succeeds.
 *   <li>A worker stopped (SIGSTOP) in the middle of a shard for longer than its lease: the shard runs again on the
 *       other worker and the job succeeds while the first is still stopped; after SIGCONT the first finishes its stale
 *       attempt, and its partial is refused by the attempt fence.
 * </ol>
 *
 * <p>Either way every accepted job ends SUCCEEDED once, with the outputs (or trained parameters) of the reference
 * computation, one partial per shard from the shard's current attempt; and no process the test started outlives it.
 * The test prints how long the platform took to recover.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrokerWorkerChaosIT {
    private static final Duration PAUSE = Duration.ofSeconds(30);
    /** Worker leases short enough that a stopped worker's shard moves on within seconds. */
    private static final Duration LEASE = Duration.ofSeconds(6);
    /**
     * Rows per forward pass and dataset read on the workers: small windows make a shard of a few thousand rows take
     * seconds (a database round trip and a forward pass per window), so a worker can be stopped in the middle of
     * one, while the reference outputs stay cheap to compute here.
     */
    private static final int WINDOW_ROWS = 2;

    private static final List<String> INPUTS = List.of("x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7");
    private static final List<String> FEATURES = List.of("f0", "f1", "f2", "f3", "f4");
    private static final int TRAINING_ROWS = 240;
    private static final int STEPS = 120;
    private static final double TOLERANCE = 1e-4;

    private static final List<ServiceProcess> services = new ArrayList<>();
    private static Path dataDir;
    private static ServersProcess servers;
    private static ServiceProcess worker1;
    private static ServiceProcess worker2;
    private static Api api;
    private static JdbcClient jdbc;

    @BeforeAll
    static void startCluster() {
        dataDir = TestPlatform.tempDirectory();
        servers = ServersProcess.start(dataDir);
        var connection = servers.connectionFile();
        // consumers of a stopped process lose their partitions after 6 s instead of 10
        var session = "--shardflow.messaging.session-timeout=6s";
        var apiProcess = start(
                "chaos-api",
                Kind.API,
                connection,
                dataDir,
                session,
                "--shardflow.security.admin-key-file=" + dataDir.resolve(ShardflowStandalone.ADMIN_KEY_FILE));
        start("chaos-scheduler", Kind.SCHEDULER, connection, dataDir, session);
        var worker = new String[] {
            session,
            "--shardflow.worker.lease=" + LEASE.toSeconds() + "s",
            "--shardflow.worker.heartbeat-interval=1s",
            "--shardflow.worker.batch-rows=" + WINDOW_ROWS
        };
        worker1 = start("chaos-worker-1", Kind.WORKER, connection, dataDir, worker);
        worker2 = start("chaos-worker-2", Kind.WORKER, connection, dataDir, worker);
        services.forEach(ServiceProcess::awaitReady);
        api = apiProcess.api(TestPlatform.adminKey(dataDir));
        var database = servers.connection();
        jdbc = JdbcClient.create(
                new DriverManagerDataSource(database.jdbcUrl(), database.username(), database.password()));
    }

    private static ServiceProcess start(String name, Kind kind, Path connection, Path logs, String... settings) {
        var process = ServiceProcess.start(name, kind, connection, logs, settings);
        services.add(process);
        return process;
    }

    /** Every JVM the test started, and the PostgreSQL server the standalone started, is gone at the end. */
    @AfterAll
    static void noProcessOutlivesTheTest() throws InterruptedException, IOException {
        var started = new ArrayList<ProcessHandle>();
        for (var service : services) {
            started.add(service.handle());
            started.addAll(service.handle().descendants().toList());
        }
        if (servers != null) {
            started.add(servers.handle());
            started.addAll(servers.handle().descendants().toList());
            servers.postgres().ifPresent(postgres -> {
                started.add(postgres);
                started.addAll(postgres.descendants().toList());
            });
        }
        try {
            for (var service : services) {
                service.close();
            }
            if (servers != null) {
                servers.terminate(Duration.ofSeconds(60));
            }
            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> started.stream().noneMatch(ProcessHandle::isAlive));
            System.out.printf(
                    "chaos: %d processes started (JVMs, PostgreSQL and its backends), none left%n", started.size());
            // the servers' data; the logs stay
            FileSystemUtils.deleteRecursively(dataDir.resolve("postgres"));
            FileSystemUtils.deleteRecursively(dataDir.resolve("kafka"));
        } finally {
            if (servers != null) {
                servers.close();
            }
        }
    }

    @Test
    @Order(1)
    void jobsAcceptedBeforeAndDuringABrokerPauseAllSucceedAfterIt() throws InterruptedException {
        var trainingTable = classes();
        var trainingData = created(api.postCsv("/api/v1/datasets?name=chaos-classes", trainingTable.csv()));
        var start = new LinkedHashMap<>(Fixtures.randomDense(61, 5, 8, 3).mlpRequest("chaos-start"));
        start.put(
                "architecture",
                Map.of("kind", "mlp", "layers", List.of(5, 8, 3), "activation", "relu", "task", "classification"));
        var startId = created(api.postJson("/api/v1/models", start));
        var table = Fixtures.randomTable(62, 4_000, INPUTS);
        var dense = Fixtures.randomDense(63, 8, 32, 32, 4);
        var tableId = created(api.postCsv("/api/v1/datasets?name=chaos-load", table.csv()));
        var denseId = created(api.postJson("/api/v1/models", dense.mlpRequest("chaos-dense")));
        var small = Fixtures.randomTable(64, 200, INPUTS);
        var smallId = created(api.postCsv("/api/v1/datasets?name=chaos-small", small.csv()));

        // load: a training job (many rounds, each through the broker, first in line), then three 4-shard inferences
        var trained = created(api.postJson("/api/v1/jobs", training(startId, trainingData)));
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> dispatchedStep(trained) >= 3);
        var inferred = new ArrayList<String>();
        for (int i = 0; i < 3; i++) {
            inferred.add(created(api.postJson("/api/v1/jobs", inferenceJob(denseId, tableId, INPUTS, 4))));
        }
        var before = Stream.concat(Stream.of(trained), inferred.stream()).toList();
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> startedShards(inferred) >= 2);

        StopSignals.stop(servers.handle());
        var pausedAt = Instant.now();
        int stepAtPause;
        long unfinishedAtPause;
        int stepAtResume;
        var answers = new ArrayList<String>();
        var acceptedDuringPause = new ArrayList<String>();
        Instant resumedAt;
        try {
            stepAtPause = dispatchedStep(trained);
            unfinishedAtPause = before.stream().filter(job -> !ended(job)).count();
            assertThat(unfinishedAtPause).as("the pause begins under load").isGreaterThanOrEqualTo(3);
            assertThat(stepAtPause).as("the training is under way").isLessThan(STEPS);

            // submissions while the broker is stopped: the API writes the job and its outbox row to PostgreSQL
            await().during(PAUSE)
                    .atMost(PAUSE.plusSeconds(60))
                    .pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofSeconds(6))
                    .until(() -> {
                        var sent = Instant.now();
                        var response = api.postJson("/api/v1/jobs", inferenceJob(denseId, smallId, INPUTS, 1));
                        answers.add(response.status() + " in "
                                + Duration.between(sent, Instant.now()).toMillis() + " ms");
                        if (response.status() == 202) {
                            acceptedDuringPause.add(response.json().get("id").asString());
                            return true;
                        }
                        return response.status() == 503 && response.header("Retry-After") != null;
                    });
            assertThat(StopSignals.state(servers.handle()))
                    .as("the broker stayed stopped")
                    .isEqualTo('T');
            assertThat(acceptedDuringPause)
                    .as("no job accepted during the pause ran: the broker was away")
                    .allSatisfy(job -> assertThat(status(job)).isNotEqualTo("SUCCEEDED"));
            stepAtResume = dispatchedStep(trained);
        } finally {
            StopSignals.resume(servers.handle());
            resumedAt = Instant.now();
        }

        var all = new ArrayList<>(before);
        all.addAll(acceptedDuringPause);
        for (var job : all) {
            awaitSucceeded(job);
        }
        var lastFinished = all.stream()
                .map(BrokerWorkerChaosIT::finishedAt)
                .max(Instant::compareTo)
                .orElseThrow();

        for (var job : inferred) {
            assertOutputs(result(job), table, INPUTS, dense);
            assertOnePartialPerShardFromItsCurrentAttempt(job, 4);
        }
        for (var job : acceptedDuringPause) {
            assertOutputs(result(job), small, INPUTS, dense);
            assertOnePartialPerShardFromItsCurrentAttempt(job, 1);
        }
        var expected = ReferenceTraining.train(
                TrainingIT.flat(
                        api.get("/api/v1/models/" + startId + "/parameters").json()),
                new int[] {5, 8, 3},
                trainingTable,
                FEATURES,
                "class",
                ReferenceTraining.Loss.SOFTMAX_CROSS_ENTROPY,
                ReferenceTraining.adam(0.02f),
                new TrainingSchedule(TRAINING_ROWS, 0.1, 5, 16),
                STEPS);
        var model =
                api.get("/api/v1/jobs/" + trained).json().get("resultModelId").asString();
        var parameters = TrainingIT.flat(
                api.get("/api/v1/models/" + model + "/parameters").json());
        assertThat(TrainingIT.maxDifference(parameters, expected)).isLessThanOrEqualTo(TOLERANCE);
        assertThat(count("select count(*) from job_metrics where job_id = ? and loss is not null", trained))
                .as("every step merged once")
                .isEqualTo(STEPS);
        for (var job : all) {
            assertPlannedAndFinishedOnce(job);
        }

        System.out.printf(
                "chaos: broker SIGSTOP for %d ms with %d of %d jobs unfinished (training at step %d of %d, step %d at "
                        + "SIGCONT); submissions during the pause answered %s; all %d accepted jobs succeeded %d ms "
                        + "after SIGCONT (the first shard started %d ms after it), with %d shard attempts beyond the "
                        + "first%n",
                Duration.between(pausedAt, resumedAt).toMillis(),
                unfinishedAtPause,
                before.size(),
                stepAtPause,
                STEPS,
                stepAtResume,
                answers,
                all.size(),
                Duration.between(resumedAt, lastFinished).toMillis(),
                Duration.between(resumedAt, firstStartAfter(all, resumedAt)).toMillis(),
                jdbc.sql("select coalesce(sum(attempt - 1), 0) from shards where job_id = any(?)")
                        .param(all.stream().map(UUID::fromString).toArray(UUID[]::new))
                        .query(Long.class)
                        .single());
    }

    @Test
    @Order(2)
    void aWorkerStoppedPastItsLeaseHasItsLatePartialRefused() throws InterruptedException {
        var table = Fixtures.randomTable(71, 8_000, INPUTS);
        var dense = Fixtures.randomDense(72, 8, 32, 32, 4);
        var tableId = created(api.postCsv("/api/v1/datasets?name=chaos-slow", table.csv()));
        var denseId = created(api.postJson("/api/v1/models", dense.mlpRequest("chaos-slow")));
        var victim = worker1;
        var victimId = victim.workerId();
        var otherId = worker2.workerId();

        var job = created(api.postJson("/api/v1/jobs", inferenceJob(denseId, tableId, INPUTS, 4)));
        var running = await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(2))
                .until(() -> runningOn(job, victimId), Optional::isPresent)
                .orElseThrow();
        StopSignals.stop(victim.handle());
        var stoppedAt = Instant.now();
        Restart rerun;
        Instant succeededAt;
        Instant resumedAt;
        try {
            assertThat(attemptOf(job, running))
                    .as("stopped in the middle of the shard: its attempt still runs there")
                    .isEqualTo(new Attempt(running.shard(), running.attempt(), "RUNNING", victimId));

            // its lease runs out, the shard runs again on the other worker, and the job ends while the first is
            // still stopped
            rerun = await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> startedAgain(job, running), Optional::isPresent)
                    .orElseThrow();
            awaitSucceeded(job);
            succeededAt = finishedAt(job);
            assertThat(StopSignals.state(victim.handle())).as("still stopped").isEqualTo('T');
            assertThat(attemptOf(job, running))
                    .isEqualTo(new Attempt(running.shard(), running.attempt() + 1, "DONE", otherId));
            assertThat(rerun.worker()).isEqualTo(otherId);
        } finally {
            // SIGCONT: it carries on with the stale attempt where it stopped, finishes it, and its write is refused
            StopSignals.resume(victim.handle());
            resumedAt = Instant.now();
        }
        var refused = "shard " + job + "/0/0/" + running.shard() + " attempt " + running.attempt()
                + " finished but is no longer current";
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> victim.log().contains(refused));
        var fencedAt = Instant.now();

        assertThat(attemptOf(job, running))
                .isEqualTo(new Attempt(running.shard(), running.attempt() + 1, "DONE", otherId));
        assertOnePartialPerShardFromItsCurrentAttempt(job, 4);
        assertThat(status(job)).isEqualTo("SUCCEEDED");
        assertOutputs(result(job), table, INPUTS, dense);
        assertPlannedAndFinishedOnce(job);
        // and the stopped worker is a working member of the fleet again
        victim.awaitReady();

        System.out.printf(
                "chaos: worker SIGSTOP while running shard %d attempt %d: it started again on %s %d ms later, the job "
                        + "succeeded %d ms after the stop; SIGCONT %d ms after the stop, the stale attempt's partial "
                        + "was refused %d ms after SIGCONT%n",
                running.shard(),
                running.attempt(),
                rerun.worker(),
                Duration.between(stoppedAt, rerun.started()).toMillis(),
                Duration.between(stoppedAt, succeededAt).toMillis(),
                Duration.between(stoppedAt, resumedAt).toMillis(),
                Duration.between(resumedAt, fencedAt).toMillis());
    }

    /** 3 classes from a linear rule over 5 features. */
    private static Fixtures.Table classes() {
        var random = new Random(65);
        var columns = new ArrayList<>(FEATURES);
        columns.add("class");
        var values = new float[TRAINING_ROWS][6];
        for (float[] row : values) {
            for (int f = 0; f < 5; f++) {
                row[f] = (float) random.nextGaussian();
            }
            double best = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < 3; c++) {
                double score = row[c] + 0.4 * row[4 - c] + 0.2 * c;
                if (score > best) {
                    best = score;
                    row[5] = c;
                }
            }
        }
        return new Fixtures.Table(columns, values);
    }

    private static Map<String, Object> training(String modelId, String datasetId) {
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "TRAINING");
        job.put("model", Map.of("id", modelId));
        job.put("dataset", Map.of("id", datasetId, "features", FEATURES, "label", "class"));
        job.put("parallelism", Map.of("strategy", "DATA", "dataShards", 2));
        // ahead of the inferences for the lanes, so the training moves while they run
        job.put("priority", 10);
        job.put(
                "training",
                Map.of(
                        "steps",
                        STEPS,
                        "batchSize",
                        16,
                        "optimizer",
                        "adam",
                        "learningRate",
                        0.02,
                        "seed",
                        5,
                        "validationSplit",
                        0.1));
        return job;
    }

    private static void awaitSucceeded(String job) {
        await().atMost(Duration.ofSeconds(240))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> ended(job));
        assertThat(status(job)).as("job %s", job).isEqualTo("SUCCEEDED");
    }

    private static boolean ended(String job) {
        return List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(status(job));
    }

    private static String status(String job) {
        return jdbc.sql("select status from jobs where id = ?")
                .param(UUID.fromString(job))
                .query(String.class)
                .single();
    }

    private static Instant finishedAt(String job) {
        return jdbc.sql("select finished_at from jobs where id = ?")
                .param(UUID.fromString(job))
                .query(Timestamp.class)
                .single()
                .toInstant();
    }

    private static JsonNode result(String job) {
        var response = api.get("/api/v1/jobs/" + job + "/result");
        assertThat(response.status()).as(response.text()).isEqualTo(200);
        return response.json();
    }

    /**
     * Every shard DONE, one partial each, and each partial the one its shard's current attempt wrote: no superseded
     * attempt's partial is counted, none twice.
     */
    /**
     * Every shard DONE with one partial, of its current attempt. {@code planned} shards at least: a shard that gave its
     * lane to the training (of a higher priority) part-way left the rest of its rows to a shard of its own.
     */
    private static void assertOnePartialPerShardFromItsCurrentAttempt(String job, int planned) {
        var id = UUID.fromString(job);
        long shards = count("select count(*) from shards where job_id = ?", job);
        assertThat(shards).isGreaterThanOrEqualTo(planned);
        assertThat(count("select count(*) from shards where job_id = ? and status = 'DONE'", job))
                .isEqualTo(shards);
        assertThat(count("select count(*) from partials where job_id = ?", job)).isEqualTo(shards);
        assertThat(jdbc.sql("select count(*) from partials p join shards s on s.job_id = p.job_id and s.step = p.step "
                                + "and s.stage = p.stage and s.shard_index = p.shard_index and s.attempt = p.attempt "
                                + "where p.job_id = ?")
                        .param(id)
                        .query(Long.class)
                        .single())
                .as("partials of the shards' current attempts")
                .isEqualTo(shards);
    }

    /** Planned once, ended once, as its events say. */
    private static void assertPlannedAndFinishedOnce(String job) {
        assertThat(count("select count(*) from job_events where job_id = ? and type = 'io.shardflow.job.running'", job))
                .as("%s planned once", job)
                .isEqualTo(1);
        assertThat(count(
                        "select count(*) from job_events where job_id = ? and type = 'io.shardflow.job.succeeded'",
                        job))
                .as("%s merged once", job)
                .isEqualTo(1);
    }

    private static long count(String sql, String job) {
        return jdbc.sql(sql).param(UUID.fromString(job)).query(Long.class).single();
    }

    /** The highest training step dispatched so far. */
    private static int dispatchedStep(String job) {
        return jdbc.sql("select coalesce(max(step), 0) from shards where job_id = ?")
                .param(UUID.fromString(job))
                .query(Integer.class)
                .single();
    }

    /** When the first shard of {@code jobs} started after {@code moment}. */
    private static Instant firstStartAfter(List<String> jobs, Instant moment) {
        return jdbc.sql("select min(started_at) from shards where job_id = any(?) and started_at > ?")
                .params(jobs.stream().map(UUID::fromString).toArray(UUID[]::new), Timestamp.from(moment))
                .query(Timestamp.class)
                .single()
                .toInstant();
    }

    /** Shards of {@code jobs} that a worker has started (running or done). */
    private static long startedShards(List<String> jobs) {
        return jdbc.sql("select count(*) from shards where job_id = any(?) and started_at is not null")
                .param(jobs.stream().map(UUID::fromString).toArray(UUID[]::new))
                .query(Long.class)
                .single();
    }

    record Running(int shard, int attempt) {}

    record Attempt(int shard, int attempt, String status, String worker) {}

    record Restart(String worker, Instant started) {}

    private static Optional<Running> runningOn(String job, String worker) {
        return jdbc.sql("select shard_index, attempt from shards where job_id = ? and status = 'RUNNING' "
                        + "and worker_id = ? limit 1")
                .params(UUID.fromString(job), worker)
                .query((rs, n) -> new Running(rs.getInt(1), rs.getInt(2)))
                .optional();
    }

    private static Attempt attemptOf(String job, Running shard) {
        return jdbc.sql("select shard_index, attempt, status, worker_id from shards where job_id = ? and step = 0 "
                        + "and stage = 0 and shard_index = ?")
                .params(UUID.fromString(job), shard.shard())
                .query((rs, n) -> new Attempt(rs.getInt(1), rs.getInt(2), rs.getString(3), rs.getString(4)))
                .single();
    }

    /** When a later attempt of the shard started, and where. */
    private static Optional<Restart> startedAgain(String job, Running lost) {
        return jdbc.sql("select worker_id, started_at from shards where job_id = ? and step = 0 and stage = 0 "
                        + "and shard_index = ? and attempt > ? and started_at is not null")
                .params(UUID.fromString(job), lost.shard(), lost.attempt())
                .query((rs, n) ->
                        new Restart(rs.getString(1), rs.getTimestamp(2).toInstant()))
                .optional();
    }
}
