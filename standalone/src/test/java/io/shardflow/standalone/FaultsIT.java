package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.assertOutputs;
import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static io.shardflow.standalone.Fixtures.inferenceJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.shards.ShardStatus;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.worker.lanes.Lanes;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Faults, each with what must hold: a job accepted while the broker is down completes once it returns; a
 * cancelled job never runs; a shard whose worker died runs again after its lease expires, and the result is the
 * same as a fault-free run; a job whose planning request or last completion notice was lost is picked up by the
 * reconciler. Time passes by moving the platform's clock, not by rewriting timestamps.
 */
class FaultsIT {
    private final ShardflowStandalone platform = TestPlatform.shared();
    private final Api api = TestPlatform.api(platform);

    @Test
    void jobsAcceptedWhileTheBrokerIsDownCompleteWhenItReturnsAndACancelledOneNeverRuns() {
        var table = Fixtures.randomTable(11, 300, List.of("a", "b"));
        String datasetId = created(api.postCsv("/api/v1/datasets?name=broker-down", table.csv()));
        var model = Fixtures.randomDense(12, 2, 2);
        String modelId = created(api.postJson("/api/v1/models", model.linearRequest("broker-down")));
        var features = List.of("a", "b");

        TestPlatform.brokerDown(platform);
        String kept;
        String cancelled;
        try {
            var accepted = api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, features, 3));
            assertThat(accepted.status()).isEqualTo(202);
            kept = accepted.json().get("id").asString();
            cancelled = created(api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, features, 3)));
            var cancel = api.post("/api/v1/jobs/" + cancelled + "/cancel");
            assertThat(cancel.status()).isEqualTo(200);
            assertThat(cancel.json().get("status").asString()).isEqualTo("CANCELLED");
            // planned as it was accepted (the scheduler runs in this process): its task waits in the outbox
            assertThat(api.get("/api/v1/jobs/" + kept).json().get("status").asString())
                    .isEqualTo("RUNNING");
        } finally {
            TestPlatform.brokerUp(platform);
        }

        awaitStatus(api, kept, "SUCCEEDED");
        assertOutputs(api.get("/api/v1/jobs/" + kept + "/result").json(), table, features, model);
        var jdbc = platform.context().getBean(JdbcClient.class);
        // whatever the cancelled job had queued was published too, and no lane ran any of it
        await().atMost(Duration.ofSeconds(30))
                .until(() -> jdbc.sql("select count(*) from outbox")
                                .query(Long.class)
                                .single()
                        == 0);
        assertThat(api.get("/api/v1/jobs/" + cancelled).json().get("status").asString())
                .isEqualTo("CANCELLED");
        assertThat(platform.context().getBean(ShardRepository.class).list(UUID.fromString(cancelled)))
                .noneMatch(shard -> shard.status() == ShardStatus.RUNNING || shard.status() == ShardStatus.DONE);
        assertThat(jdbc.sql("select count(*) from shards where job_id = ? and started_at is not null")
                        .param(UUID.fromString(cancelled))
                        .query(Long.class)
                        .single())
                .as("no lane started a shard of the cancelled job")
                .isZero();
        assertThat(api.post("/api/v1/jobs/" + cancelled + "/cancel").status()).isEqualTo(409);
    }

    @Test
    void aShardWhoseWorkerDiedRunsAgainAfterItsLeaseExpires() {
        var table = Fixtures.randomTable(13, 240, List.of("a", "b", "c"));
        String datasetId = created(api.postCsv("/api/v1/datasets?name=lease", table.csv()));
        var model = Fixtures.randomDense(14, 3, 4, 2);
        String modelId = created(api.postJson("/api/v1/models", model.mlpRequest("lease")));
        var features = List.of("a", "b", "c");
        var lanes = platform.context().getBean(Lanes.class);
        var jdbc = platform.context().getBean(JdbcClient.class);

        lanes.stop();
        String jobId;
        try {
            jobId = created(api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, features, 3)));
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> jdbc.sql("select count(*) from shards where job_id = ? and status = 'PENDING'")
                                    .param(UUID.fromString(jobId))
                                    .query(Long.class)
                                    .single()
                            == 3);
            // admission gave shard 1 to a worker, which took it as a worker does, then died: nobody extends its
            // lease, and time passes
            var shards = platform.context().getBean(ShardRepository.class);
            var lease = Duration.ofSeconds(30);
            var key = new ShardKey(UUID.fromString(jobId), 0, 0, 1);
            assertThat(shards.assign(
                            key,
                            1,
                            "worker-that-died",
                            63,
                            TestPlatform.CLOCK.instant().plus(lease)))
                    .isPresent();
            assertThat(shards.start(
                            key,
                            1,
                            "worker-that-died",
                            TestPlatform.CLOCK.instant().plus(lease)))
                    .isTrue();
            TestPlatform.CLOCK.advance(lease.plusSeconds(1));
        } finally {
            lanes.start();
        }

        awaitStatus(api, jobId, "SUCCEEDED");
        assertOutputs(api.get("/api/v1/jobs/" + jobId + "/result").json(), table, features, model);
        var shards = platform.context().getBean(ShardRepository.class).list(UUID.fromString(jobId));
        assertThat(shards.get(1).attempt()).isEqualTo(2);
        assertThat(shards.get(1).workerId()).isNotEqualTo("worker-that-died");
        assertThat(shards.get(0).attempt()).isEqualTo(1);
        var events = api.get("/api/v1/jobs/" + jobId + "/events").json();
        assertThat(events.findValuesAsString("detail"))
                .anyMatch(d -> d != null && d.contains("worker-that-died stopped heartbeating"));
    }

    @Test
    void aJobWhosePlanningRequestWasLostIsPlannedByTheReconciler() {
        var table = Fixtures.randomTable(15, 60, List.of("a"));
        String datasetId = created(api.postCsv("/api/v1/datasets?name=lost-request", table.csv()));
        var model = Fixtures.randomDense(16, 1, 2);
        String modelId = created(api.postJson("/api/v1/models", model.linearRequest("lost-request")));
        var jdbc = platform.context().getBean(JdbcClient.class);
        var spec = new JobSpec(
                JobType.INFERENCE,
                new JobSpec.ModelRef(UUID.fromString(modelId)),
                new JobSpec.DatasetRef(UUID.fromString(datasetId), List.of("a")),
                null,
                null,
                null,
                null,
                null,
                null);
        // accepted a while ago, but its request never reached the scheduler (no outbox row, nothing on Kafka)
        var jobId = platform.context().getBean(JobRepository.class).insert(UUID.randomUUID(), "default", spec, null);
        TestPlatform.CLOCK.advance(Duration.ofMinutes(1));

        awaitStatus(api, jobId.toString(), "SUCCEEDED");
        assertOutputs(api.get("/api/v1/jobs/" + jobId + "/result").json(), table, List.of("a"), model);
    }

    @Test
    void aJobWhoseLastCompletionNoticeWasLostIsMergedByTheReconciler() {
        var table = Fixtures.randomTable(17, 30, List.of("a", "b"));
        String datasetId = created(api.postCsv("/api/v1/datasets?name=lost-notice", table.csv()));
        String modelId = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(18, 2, 1).linearRequest("lost-notice")));
        var lanes = platform.context().getBean(Lanes.class);
        var jdbc = platform.context().getBean(JdbcClient.class);
        var partials = platform.context().getBean(PartialStore.class);

        lanes.stop();
        String jobId;
        try {
            jobId = created(api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("a", "b"), 3)));
            var id = UUID.fromString(jobId);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> jdbc.sql("select count(*) from shards where job_id = ? and status = 'PENDING'")
                                    .param(id)
                                    .query(Long.class)
                                    .single()
                            == 3);
            // every shard ran and stored its partial as a worker does (shard i's rows hold the value i), but
            // no completion notice arrived
            var shards = platform.context().getBean(ShardRepository.class);
            for (int shard = 0; shard < 3; shard++) {
                var key = new ShardKey(id, 0, 0, shard);
                assertThat(shards.assign(
                                key,
                                1,
                                "worker-without-a-broker",
                                63,
                                TestPlatform.CLOCK.instant().plusSeconds(30)))
                        .isPresent();
                var values = new float[10];
                Arrays.fill(values, shard);
                assertThat(shards.start(
                                key,
                                1,
                                "worker-without-a-broker",
                                TestPlatform.CLOCK.instant().plusSeconds(30)))
                        .isTrue();
                partials.put(key, 1, TensorCodec.encode(Tensor.matrix(10, 1, values)));
                assertThat(shards.complete(key, 1)).isTrue();
            }
            TestPlatform.CLOCK.advance(Duration.ofMinutes(1));
            awaitStatus(api, jobId, "SUCCEEDED");
        } finally {
            lanes.start();
        }

        var outputs = api.get("/api/v1/jobs/" + jobId + "/result").json().get("outputs");
        assertThat(outputs.size()).isEqualTo(30);
        for (int row = 0; row < 30; row++) {
            assertThat(outputs.get(row).get(0).asDouble())
                    .as("row %d comes from shard %d", row, row / 10)
                    .isEqualTo(row / 10);
        }
    }

    @Test
    void operatorsChangeAPriorityAndRetryACancelledJob() {
        var table = Fixtures.randomTable(19, 20, List.of("a"));
        String datasetId = created(api.postCsv("/api/v1/datasets?name=operator", table.csv()));
        var model = Fixtures.randomDense(20, 1, 1);
        String modelId = created(api.postJson("/api/v1/models", model.linearRequest("operator")));
        var lanes = platform.context().getBean(Lanes.class);
        lanes.stop();
        String retried;
        try {
            String jobId = created(api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("a"), 2)));
            var changed = api.postJson("/api/v1/jobs/" + jobId + "/priority", java.util.Map.of("priority", 7));
            assertThat(changed.status()).isEqualTo(200);
            assertThat(changed.json().get("priority").asInt()).isEqualTo(7);
            assertThat(api.postJson("/api/v1/jobs/" + jobId + "/priority", java.util.Map.of("priority", 500))
                            .status())
                    .isEqualTo(400);
            assertThat(api.post("/api/v1/jobs/" + jobId + "/retry").status())
                    .as("only ended jobs are retried")
                    .isEqualTo(409);
            api.post("/api/v1/jobs/" + jobId + "/cancel");

            var retry = api.post("/api/v1/jobs/" + jobId + "/retry");

            assertThat(retry.status()).isEqualTo(202);
            retried = retry.json().get("id").asString();
            assertThat(retried).isNotEqualTo(jobId);
            var timeline = api.get("/api/v1/jobs/" + jobId + "/events").json().findValuesAsString("detail");
            assertThat(timeline).contains("priority 0 → 7", "retried as job " + retried);
            assertThat(api.get("/api/v1/jobs/" + retried + "/events").json().findValuesAsString("detail"))
                    .contains("a retry of job " + jobId);
        } finally {
            lanes.start();
        }
        awaitStatus(api, retried, "SUCCEEDED");
        assertOutputs(api.get("/api/v1/jobs/" + retried + "/result").json(), table, List.of("a"), model);
    }
}
