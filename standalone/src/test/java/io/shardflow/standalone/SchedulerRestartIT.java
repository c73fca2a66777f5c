package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardflow.scheduler.SchedulerApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The scheduler runs as its own process and is killed (SIGKILL) in the middle of a training job. A new scheduler
 * process resumes the job from its last checkpoint, and it ends with exactly the model a run without the kill gives.
 */
class SchedulerRestartIT {

    private static Process scheduler(ShardflowStandalone platform, Path logs, String name) {
        var env = platform.context().getEnvironment();
        var command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                SchedulerApplication.class.getName(),
                "--spring.main.web-application-type=none",
                "--spring.main.banner-mode=off",
                "--spring.application.name=scheduler",
                "--spring.datasource.url=" + env.getProperty("spring.datasource.url"),
                "--spring.datasource.username=postgres",
                "--spring.kafka.bootstrap-servers=" + env.getProperty("spring.kafka.bootstrap-servers"),
                // a killed member is noticed after 6 s instead of 45 s
                "--spring.kafka.consumer.properties.session.timeout.ms=6000",
                "--spring.kafka.consumer.properties.heartbeat.interval.ms=1000",
                "--shardflow.scheduler.reconcile-interval=1s",
                "--shardflow.scheduler.stall-after=3s",
                "--logging.level.org.apache.kafka=WARN"));
        try {
            return new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(logs.resolve(name + ".log").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> job(String datasetId) {
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "TRAINING");
        job.put(
                "model",
                Map.of("architecture", Map.of("kind", "mlp", "layers", List.of(3, 8, 2), "task", "classification")));
        job.put("dataset", Map.of("id", datasetId, "features", List.of("a", "b", "c"), "label", "class"));
        job.put("parallelism", Map.of("strategy", "DATA", "dataShards", 2));
        job.put(
                "training",
                Map.of(
                        "steps",
                        120,
                        "batchSize",
                        16,
                        "optimizer",
                        "adam",
                        "learningRate",
                        0.01,
                        "seed",
                        9,
                        "checkpointEvery",
                        10));
        return job;
    }

    @Test
    void aKilledSchedulerIsReplacedAndTheJobResumesFromItsLastCheckpoint() throws Exception {
        var dataDir = TestPlatform.tempDirectory();
        try (var platform = ShardflowStandalone.start(
                "--shardflow.data-dir=" + dataDir,
                "--server.port=0",
                "--shardflow.local.kafka-port=" + TestPlatform.freePort(),
                "--shardflow.standalone.services=api,worker",
                "--shardflow.worker.lanes=2",
                "--spring.main.banner-mode=off")) {
            var api = TestPlatform.api(platform);
            var jdbc = platform.context().getBean(JdbcClient.class);
            var rows = new StringBuilder("a,b,c,class\n");
            var random = new java.util.Random(2);
            for (int i = 0; i < 400; i++) {
                double a = random.nextGaussian();
                double b = random.nextGaussian();
                double c = random.nextGaussian();
                rows.append(a)
                        .append(',')
                        .append(b)
                        .append(',')
                        .append(c)
                        .append(',')
                        .append(a + 0.5 * b - c > 0 ? 1 : 0)
                        .append('\n');
            }
            String datasetId = created(api.postCsv("/api/v1/datasets?name=restart", rows.toString()));

            var first = scheduler(platform, dataDir, "scheduler-1");
            String killed;
            try {
                killed = created(api.postJson("/api/v1/jobs", job(datasetId)));
                await().atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> api.get("/api/v1/jobs/" + killed)
                                        .json()
                                        .get("progress")
                                        .path("step")
                                        .asInt(0)
                                >= 35);
            } finally {
                first.destroyForcibly().waitFor();
            }
            var stopped = api.get("/api/v1/jobs/" + killed).json();
            assertThat(stopped.get("status").asString()).isIn("RUNNING", "AGGREGATING");
            int stepAtKill = stopped.get("progress").get("step").asInt();
            assertThat(stepAtKill).isLessThan(120);

            var second = scheduler(platform, dataDir, "scheduler-2");
            try {
                var resumed = awaitStatus(api, killed, "SUCCEEDED");
                var timeline =
                        api.get("/api/v1/jobs/" + killed + "/events").json().findValuesAsString("detail");
                assertThat(timeline).anyMatch(d -> d != null && d.startsWith("resumed from the checkpoint at step "));
                int checkpoints = jdbc.sql("select count(*) from job_checkpoints where job_id = ?")
                        .param(UUID.fromString(killed))
                        .query(Integer.class)
                        .single();
                assertThat(checkpoints).isEqualTo(13); // steps 0, 10, ..., 120

                // the same job without a kill gives the same model
                String clean = created(api.postJson("/api/v1/jobs", job(datasetId)));
                var reference = awaitStatus(api, clean, "SUCCEEDED");
                var a = TrainingIT.flat(
                        api.get("/api/v1/models/" + resumed.get("resultModelId").asString() + "/parameters")
                                .json());
                var b = TrainingIT.flat(api.get("/api/v1/models/"
                                + reference.get("resultModelId").asString() + "/parameters")
                        .json());
                assertThat(TrainingIT.maxDifference(a, b)).isZero();
                System.out.println("scheduler killed at step " + stepAtKill + "; "
                        + timeline.stream()
                                .filter(d -> d != null && d.startsWith("resumed"))
                                .toList());
            } finally {
                second.destroyForcibly().waitFor();
            }
        }
    }
}
