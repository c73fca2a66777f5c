package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.assertOutputs;
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
 * Two scheduler processes share the database and the broker; in the middle of a training job one is killed
 * (SIGKILL), a third joins, and the other is killed too. Whichever of them held the job's notices, the rounds go on
 * in another process from the job's rows: no step is replayed, every job ends exactly once, and the trained model
 * is exactly the one a run without kills gives.
 */
class SchedulersIT {

    private static Process scheduler(ShardflowStandalone platform, Path logs, String name) {
        var command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx384m",
                "-cp",
                System.getProperty("java.class.path"),
                SchedulerApplication.class.getName(),
                "--spring.main.web-application-type=none",
                "--spring.main.banner-mode=off",
                "--spring.application.name=" + name,
                "--spring.config.import=file:" + platform.connectionFile(),
                // a killed member is noticed after 6 s instead of 10
                "--shardflow.messaging.session-timeout=6s",
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

    private static Map<String, Object> training(String datasetId) {
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

    private static int step(Api api, String jobId) {
        return api.get("/api/v1/jobs/" + jobId)
                .json()
                .get("progress")
                .path("step")
                .asInt(0);
    }

    private static long count(JdbcClient jdbc, String sql, String jobId) {
        return jdbc.sql(sql).param(UUID.fromString(jobId)).query(Long.class).single();
    }

    @Test
    void jobsFinishOnceWhileSchedulersAreKilledAndReplaced() throws Exception {
        var dataDir = TestPlatform.tempDirectory();
        try (var platform = ShardflowStandalone.start(TestPlatform.arguments(
                dataDir,
                "--server.port=0",
                "--shardflow.standalone.services=api,worker",
                "--shardflow.worker.lanes=2",
                "--spring.main.banner-mode=off"))) {
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
            String datasetId = created(api.postCsv("/api/v1/datasets?name=schedulers", rows.toString()));
            var table = Fixtures.randomTable(31, 90, List.of("a", "b", "c"));
            String tableId = created(api.postCsv("/api/v1/datasets?name=schedulers-inference", table.csv()));
            var model = Fixtures.randomDense(32, 3, 4, 2);
            String modelId = created(api.postJson("/api/v1/models", model.mlpRequest("schedulers")));
            var features = List.of("a", "b", "c");
            var inference = new ArrayList<String>();

            var processes = new ArrayList<Process>();
            try {
                var first = scheduler(platform, dataDir, "scheduler-1");
                var second = scheduler(platform, dataDir, "scheduler-2");
                processes.addAll(List.of(first, second));
                String trained = created(api.postJson("/api/v1/jobs", training(datasetId)));
                await().atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> step(api, trained) >= 30);

                first.destroyForcibly().waitFor();
                int stepAtFirstKill = step(api, trained);
                for (int i = 0; i < 3; i++) {
                    inference.add(created(
                            api.postJson("/api/v1/jobs", Fixtures.inferenceJob(modelId, tableId, features, 3))));
                }
                await().atMost(Duration.ofSeconds(90))
                        .pollInterval(Duration.ofMillis(20))
                        .until(() -> step(api, trained) >= stepAtFirstKill + 30);

                var third = scheduler(platform, dataDir, "scheduler-3");
                processes.add(third);
                second.destroyForcibly().waitFor();
                int stepAtSecondKill = step(api, trained);
                assertThat(stepAtSecondKill).as("killed before the end").isLessThan(120);
                for (int i = 0; i < 3; i++) {
                    inference.add(created(
                            api.postJson("/api/v1/jobs", Fixtures.inferenceJob(modelId, tableId, features, 3))));
                }

                var done = awaitStatus(api, trained, "SUCCEEDED");
                var timeline =
                        api.get("/api/v1/jobs/" + trained + "/events").json().findValuesAsString("detail");
                assertThat(timeline)
                        .as("the job's state is in its rows: no process had to replay from a checkpoint")
                        .noneMatch(d -> d != null && d.startsWith("resumed"));
                assertThat(count(
                                jdbc,
                                "select count(*) from job_events where job_id = ? "
                                        + "and type = 'io.shardflow.job.succeeded'",
                                trained))
                        .isEqualTo(1);
                assertThat(count(jdbc, "select count(*) from models where source_job_id = ?", trained))
                        .as("one model registered")
                        .isEqualTo(1);
                assertThat(count(
                                jdbc,
                                "select count(*) from job_metrics where job_id = ? and loss is not null",
                                trained))
                        .isEqualTo(120);
                assertThat(count(jdbc, "select count(*) from job_checkpoints where job_id = ?", trained))
                        .isEqualTo(13); // steps 0, 10, ..., 120

                for (var jobId : inference) {
                    awaitStatus(api, jobId, "SUCCEEDED");
                    assertOutputs(api.get("/api/v1/jobs/" + jobId + "/result").json(), table, features, model);
                    assertThat(count(
                                    jdbc,
                                    "select count(*) from job_events where job_id = ? "
                                            + "and type = 'io.shardflow.job.succeeded'",
                                    jobId))
                            .isEqualTo(1);
                }

                // the same job without a kill gives the same model
                String clean = created(api.postJson("/api/v1/jobs", training(datasetId)));
                var reference = awaitStatus(api, clean, "SUCCEEDED");
                var a = TrainingIT.flat(
                        api.get("/api/v1/models/" + done.get("resultModelId").asString() + "/parameters")
                                .json());
                var b = TrainingIT.flat(api.get("/api/v1/models/"
                                + reference.get("resultModelId").asString() + "/parameters")
                        .json());
                assertThat(TrainingIT.maxDifference(a, b)).isZero();
                System.out.println("schedulers killed at steps " + stepAtFirstKill + " and " + stepAtSecondKill);
            } finally {
                for (var process : processes) {
                    process.destroyForcibly().waitFor();
                }
            }
        }
    }
}
