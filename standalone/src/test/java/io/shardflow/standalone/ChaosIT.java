package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * The standalone under chaos, with real processes and real signals, each case with what must hold. A standalone
 * JVM killed (SIGKILL) in the middle of a training job and an inference job starts again on its folder, though its
 * PostgreSQL outlived it, and both jobs end as they would have undisturbed, nothing counted twice; stopped (SIGTERM)
 * under load, it exits within its bound and takes its PostgreSQL with it. A JVM killed alone takes its PostgreSQL
 * with it too. PostgreSQL crashed for 20 s under intake: every request is answered 202 or 503 with Retry-After, never
 * 500, every job answered 202 survives the crash, and all of them finish once it is back. The tests print how long
 * each recovery took.
 */
class ChaosIT {
    /** How long a stopping standalone may take: its lanes' drain ({@code drain-timeout}, 20 s) and a few seconds. */
    static final Duration STOP_BOUND = Duration.ofSeconds(25);

    private static final int STEPS = 120;
    private static final List<String> INPUTS = List.of("x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7");

    private final List<ServiceProcess> processes = new ArrayList<>();
    private final List<Path> dataDirs = new ArrayList<>();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (var process : processes) {
            process.close();
        }
        // whatever a failed case left running
        for (var dataDir : dataDirs) {
            Postmaster.of(ChaosProcesses.postgresFolder(dataDir)).ifPresent(p -> p.stop(Duration.ofSeconds(5)));
        }
    }

    @Test
    void aStandaloneKilledMidJobsRestartsOnItsFolderAndItsJobsEndAsIfUndisturbed() throws Exception {
        var run = ChaosProcesses.folder("killed");
        var dataDir = run.resolve("data");
        dataDirs.add(dataDir);
        int port = TestPlatform.freePort();
        // the ports stay the same across restarts, as a user's configuration keeps them
        String[] ports = {
            "--shardflow.local.kafka-port=" + TestPlatform.freePort(),
            "--shardflow.local.postgres-port=" + TestPlatform.freePort()
        };
        var first = start(ServiceProcess.standalone("standalone-1", dataDir, port, run, ports));
        first.awaitReady();
        // a first start is quiet: what started, where (PostgreSQL's initdb and the broker only warn), and no word of
        // CUDA on a machine without it
        assertThat(first.log().lines().count()).as(first.log()).isLessThanOrEqualTo(50);
        assertThat(first.log()).doesNotContain("CUDA");
        var api = first.api(TestPlatform.adminKey(dataDir));
        var jdbc = ChaosProcesses.jdbc(dataDir);
        var trainingData = created(api.postCsv("/api/v1/datasets?name=chaos-training", ClusterIT.classes()));
        var table = created(api.postCsv(
                "/api/v1/datasets?name=chaos-inference",
                Fixtures.randomTable(43, 8_000, INPUTS).csv()));
        var model = created(api.postJson("/api/v1/models", mlp("chaos-mlp")));
        var training = ClusterIT.training(trainingData, STEPS);
        var inference = Fixtures.inferenceJob(model, table, INPUTS, 4);

        // 1. SIGKILL to the standalone and the processes it started, in the middle of both jobs
        var trained = created(api.postJson("/api/v1/jobs", training));
        ClusterIT.awaitStep(jdbc, trained, 30);
        var inferred = created(api.postJson("/api/v1/jobs", inference));
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> running(jdbc, inferred) > 0);
        int stepAtKill = ClusterIT.dispatchedStep(jdbc, trained);
        first.killWithChildren();
        var orphan = ChaosProcesses.postgresOf(dataDir);
        assertThat(orphan).as("its PostgreSQL outlived it").isPresent();

        // 2. a start on the same folder and ports stops that PostgreSQL and carries both jobs on
        var restarted = Instant.now();
        var second = start(ServiceProcess.standalone("standalone-2", dataDir, port, run, ports));
        second.awaitReady();
        var ready = Instant.now();
        assertThat(orphan.get().isAlive()).isFalse();
        assertThat(second.log()).contains("left by a standalone that ended without stopping it");
        var trainedJob = awaitStatus(api, trained, "SUCCEEDED");
        awaitStatus(api, inferred, "SUCCEEDED");
        var done = finishedAt(jdbc, trained).isAfter(finishedAt(jdbc, inferred))
                ? finishedAt(jdbc, trained)
                : finishedAt(jdbc, inferred);
        assertThat(stepAtKill).as("killed mid-training").isLessThan(STEPS - 20);

        // 3. the same jobs undisturbed give the same model and the same outputs; nothing was counted twice
        var reference = created(api.postJson("/api/v1/jobs", training));
        var referenceInference = created(api.postJson("/api/v1/jobs", inference));
        var referenceJob = awaitStatus(api, reference, "SUCCEEDED");
        awaitStatus(api, referenceInference, "SUCCEEDED");
        assertThat(TrainingIT.maxDifference(parameters(api, trainedJob), parameters(api, referenceJob)))
                .isZero();
        var result = api.get("/api/v1/jobs/" + inferred + "/result").json();
        assertThat(result.get("rows").asInt()).isEqualTo(8_000);
        assertThat(result)
                .isEqualTo(api.get("/api/v1/jobs/" + referenceInference + "/result")
                        .json());
        for (var job : List.of(trained, inferred)) {
            assertThat(ClusterIT.events(jdbc, job, "io.shardflow.job.running"))
                    .as("planned once")
                    .isEqualTo(1);
            assertThat(ClusterIT.events(jdbc, job, "io.shardflow.job.succeeded"))
                    .as("merged once")
                    .isEqualTo(1);
        }
        assertThat(ClusterIT.count(
                        jdbc, "select count(*) from job_metrics where job_id = ? and loss is not null", trained))
                .as("every step merged once")
                .isEqualTo(STEPS);
        assertThat(ClusterIT.count(jdbc, "select count(*) from models where source_job_id = ?", trained))
                .isEqualTo(1);

        // 4. SIGTERM under load (jobs running, a dashboard stream open): it exits within its bound, its PostgreSQL too
        var busy = created(api.postJson("/api/v1/jobs", training));
        ClusterIT.awaitStep(jdbc, busy, ClusterIT.dispatchedStep(jdbc, busy) + 5);
        created(api.postJson("/api/v1/jobs", inference));
        var stream = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(api.base() + "/dashboard/stream"))
                                .header("Authorization", "Bearer " + api.key())
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        var postgres = ChaosProcesses.postgresOf(dataDir).orElseThrow();
        var stopAsked = Instant.now();
        int exit = second.terminate(STOP_BOUND);
        var stopTook = Duration.between(stopAsked, Instant.now());
        assertThat(postgres.isAlive()).as("its PostgreSQL stopped with it").isFalse();
        assertThat(ChaosProcesses.postgresOf(dataDir)).isEmpty();
        assertThat(drained(stream.body())).as("the dashboard stream ended").isTrue();

        System.out.printf(
                "chaos: standalone SIGKILL at training step %d with inference running; the restart on the folder "
                        + "(stopping the PostgreSQL left running) was ready after %d ms, and both jobs were done "
                        + "%d ms after the restart; SIGTERM under load: exit %d after %d ms%n",
                stepAtKill,
                Duration.between(restarted, ready).toMillis(),
                Duration.between(restarted, done).toMillis(),
                exit,
                stopTook.toMillis());
    }

    @Test
    void aStandaloneKilledAloneTakesItsPostgresWithIt() throws Exception {
        var run = ChaosProcesses.folder("watchdog");
        var dataDir = run.resolve("data");
        dataDirs.add(dataDir);
        var servers = start(ServiceProcess.standalone(
                "servers",
                dataDir,
                TestPlatform.freePort(),
                run,
                "--shardflow.standalone.services=none",
                "--shardflow.local.kafka-port=" + TestPlatform.freePort()));
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    assertThat(servers.handle().isAlive()).as(servers::tail).isTrue();
                    return Files.exists(dataDir.resolve("connection.properties"));
                });
        var postgres = ChaosProcesses.postgresOf(dataDir).orElseThrow();

        var killed = Instant.now();
        servers.kill();
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> !postgres.isAlive());

        System.out.printf(
                "chaos: a standalone JVM killed alone: its PostgreSQL stopped %d ms later%n",
                Duration.between(killed, Instant.now()).toMillis());
    }

    @Test
    void whilePostgresIsDownIntakeAnswers503AndEveryAcceptedJobFinishesOnceItIsBack() throws Exception {
        var run = ChaosProcesses.folder("postgres-down");
        var dataDir = run.resolve("data");
        dataDirs.add(dataDir);
        try (var platform = ShardflowStandalone.start(TestPlatform.embedded(
                dataDir, "--server.port=0", "--shardflow.worker.lanes=2", "--spring.main.banner-mode=off"))) {
            var api = TestPlatform.api(platform);
            var jdbc = platform.context().getBean(JdbcClient.class);
            assertThat(jdbc.sql("show synchronous_commit").query(String.class).single())
                    .as("a commit is on disk before it is answered")
                    .isEqualTo("on");
            assertThat(jdbc.sql("show fsync").query(String.class).single()).isEqualTo("on");
            var trainingData = created(api.postCsv("/api/v1/datasets?name=down-training", ClusterIT.classes()));
            var training = created(api.postJson("/api/v1/jobs", ClusterIT.training(trainingData, STEPS)));
            var dataset = created(api.postCsv("/api/v1/datasets?name=down", "x\n1\n2\n"));
            var model = created(api.postJson(
                    "/api/v1/models",
                    Map.of(
                            "name",
                            "down",
                            "architecture",
                            Map.of("kind", "linear", "inputs", 1, "outputs", 1),
                            "parameters",
                            Map.of("weight", List.of(List.of(2.0)), "bias", List.of(1.0)))));
            var job = Fixtures.inferenceJob(model, dataset, List.of("x"), 1);
            ClusterIT.awaitStep(jdbc, training, 10);

            try (var intake = new Intake(api, job, 3)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> intake.accepted() >= 20);
                int stepAtCrash = ClusterIT.dispatchedStep(jdbc, training);
                var crashed = ChaosProcesses.crashPostgres(dataDir);
                assertThat(api.get("/actuator/health/readiness").status())
                        .as("not ready without its database")
                        .isEqualTo(503);
                // down for 20 s, while the intake goes on
                await().atMost(Duration.ofSeconds(40))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> Duration.between(crashed, Instant.now()).toSeconds() >= 20);
                var restarted = ChaosProcesses.restartPostgres(dataDir, run.resolve("postgres-restarted.log"));
                await().atMost(Duration.ofSeconds(60)).until(() -> intake.acceptedSince(restarted) >= 10);
                intake.close();

                var answers = List.copyOf(intake.answers);
                assertThat(answers)
                        .as("only 202 and 503")
                        .allSatisfy(a -> assertThat(a.status()).as(a.toString()).isIn(202, 503));
                var unavailable =
                        answers.stream().filter(a -> a.status() == 503).toList();
                assertThat(unavailable).as("503 while it was down").isNotEmpty();
                assertThat(unavailable).allSatisfy(a -> {
                    assertThat(a.retryAfter()).as(a.toString()).isEqualTo("5");
                    assertThat(a.contentType()).as(a.toString()).startsWith("application/problem+json");
                });
                var accepted = answers.stream()
                        .filter(a -> a.status() == 202)
                        .map(Answer::jobId)
                        .toList();
                for (var id : accepted) {
                    assertThat(api.get("/api/v1/jobs/" + id).status())
                            .as("job %s was answered 202 before the crash", id)
                            .isEqualTo(200);
                }
                await().atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(250))
                        .until(() -> unfinished(jdbc) == 0);
                awaitStatus(api, training, "SUCCEEDED");
                var intakeDone = accepted.stream()
                        .map(id -> finishedAt(jdbc, id))
                        .max(Instant::compareTo)
                        .orElseThrow();
                assertThat(ClusterIT.count(
                                jdbc,
                                "select count(*) from job_metrics where job_id = ? and loss is not null",
                                training))
                        .as("every step merged once")
                        .isEqualTo(STEPS);
                for (var id : accepted) {
                    assertThat(api.get("/api/v1/jobs/" + id)
                                    .json()
                                    .get("status")
                                    .asString())
                            .isEqualTo("SUCCEEDED");
                }
                long slowest =
                        unavailable.stream().mapToLong(Answer::millis).max().orElse(0);
                System.out.printf(
                        "chaos: PostgreSQL crashed for %d s under intake: %d jobs accepted, %d requests answered 503 "
                                + "(the slowest after %d ms), none otherwise; after the restart the accepted jobs were "
                                + "done in %d ms, the training job (at step %d of %d at the crash) in %d ms%n",
                        Duration.between(crashed, restarted).toSeconds(),
                        accepted.size(),
                        unavailable.size(),
                        slowest,
                        Duration.between(restarted, intakeDone).toMillis(),
                        stepAtCrash,
                        STEPS,
                        Duration.between(restarted, finishedAt(jdbc, training)).toMillis());
            }
        }
    }

    private ServiceProcess start(ServiceProcess process) {
        processes.add(process);
        return process;
    }

    /** An MLP wide enough that a shard of 2,000 rows computes for a moment on one lane. */
    private static Map<String, Object> mlp(String name) {
        return Map.of(
                "name",
                name,
                "architecture",
                Map.of("kind", "mlp", "layers", List.of(8, 1024, 1024, 4), "task", "regression"),
                "init",
                Map.of("seed", 42));
    }

    private static float[][] parameters(Api api, JsonNode job) {
        return TrainingIT.flat(
                api.get("/api/v1/models/" + job.get("resultModelId").asString() + "/parameters")
                        .json());
    }

    private static long running(JdbcClient jdbc, String jobId) {
        return jdbc.sql("select count(*) from shards where job_id = ? and status = 'RUNNING'")
                .param(UUID.fromString(jobId))
                .query(Long.class)
                .single();
    }

    private static Instant finishedAt(JdbcClient jdbc, String jobId) {
        return jdbc.sql("select finished_at from jobs where id = ?")
                .param(UUID.fromString(jobId))
                .query(Timestamp.class)
                .single()
                .toInstant();
    }

    private static long unfinished(JdbcClient jdbc) {
        return jdbc.sql("select count(*) from jobs where status not in ('SUCCEEDED', 'FAILED', 'CANCELLED')")
                .query(Long.class)
                .single();
    }

    /** Reads a response body to its end; true once it ended (the server closed it), within 10 s. */
    private static boolean drained(InputStream body) throws Exception {
        var reader = Thread.ofVirtual().start(() -> {
            try (body) {
                body.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                // closed under it: ended too
            }
        });
        return reader.join(Duration.ofSeconds(10));
    }

    /** One intake request's answer: its status, how long it took, and what came with it. */
    record Answer(int status, long millis, Instant sent, String retryAfter, String contentType, String jobId) {}

    /** Clients submitting {@code job} without pause from {@code threads} threads, keeping every answer. */
    private static final class Intake implements AutoCloseable {
        private static final HttpClient HTTP =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final List<Thread> threads = new ArrayList<>();

        Intake(Api api, Map<String, Object> job, int threads) {
            var request = HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/jobs"))
                    .header("Authorization", "Bearer " + api.key())
                    .header("Content-Type", "application/json")
                    // the bound on an answer while the database is away: Hikari's 5 s and then some
                    .timeout(Duration.ofSeconds(15))
                    .POST(HttpRequest.BodyPublishers.ofString(Api.JSON.writeValueAsString(job)))
                    .build();
            for (int i = 0; i < threads; i++) {
                this.threads.add(Thread.ofPlatform().name("intake-" + i).start(() -> submit(request)));
            }
        }

        private void submit(HttpRequest request) {
            while (!stopped.get()) {
                var sent = Instant.now();
                long started = System.nanoTime();
                try {
                    var response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                    String id = response.statusCode() == 202
                            ? Api.JSON.readTree(response.body()).get("id").asString()
                            : response.body();
                    answers.add(new Answer(
                            response.statusCode(),
                            millis,
                            sent,
                            response.headers().firstValue("Retry-After").orElse(""),
                            response.headers().firstValue("Content-Type").orElse(""),
                            id));
                    if (response.statusCode() == 503) {
                        Thread.sleep(200); // a client that retries, sooner than it is told to
                    }
                } catch (IOException e) {
                    answers.add(new Answer(-1, 0, sent, "", "", e.toString()));
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        long accepted() {
            return answers.stream().filter(a -> a.status() == 202).count();
        }

        long acceptedSince(Instant since) {
            return answers.stream()
                    .filter(a -> a.status() == 202 && a.sent().isAfter(since))
                    .count();
        }

        @Override
        public void close() throws InterruptedException {
            stopped.set(true);
            for (var thread : threads) {
                thread.join(Duration.ofSeconds(20));
            }
        }
    }
}
