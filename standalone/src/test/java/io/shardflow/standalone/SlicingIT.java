package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.assertOutputs;
import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static io.shardflow.standalone.Fixtures.inferenceJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A long data-parallel inference occupies every lane; a synchronous call arriving meanwhile does not wait for it: at
 * the end of a slice a batch shard finds the call waiting, stores the rows it did, and gives its lane back with the
 * rest queued as a new shard. The batch's result is the same as if nothing had happened.
 */
class SlicingIT {
    private static final ShardflowStandalone platform = TestPlatform.shared();
    private static final Api api = TestPlatform.api(platform);
    /** The shared platform's slice time: shorter than a window of this test's model, so every window asks. */
    static final String SLICE_TIME = "20ms";

    private static final List<String> FEATURES = List.of("a", "b", "c", "d", "e", "f", "g", "h");

    @Test
    void aSynchronousCallRunsBetweenSlicesOfABatchThatHoldsEveryLaneAndTheBatchResultIsWhole() {
        var table = Fixtures.randomTable(171, 96_000, FEATURES);
        String datasetId = created(api.postCsv("/api/v1/datasets?name=slicing", table.csv()));
        var heavy = Fixtures.randomDense(172, 8, 512, 512, 2);
        String heavyId = created(api.postJson("/api/v1/models", heavy.mlpRequest("slicing-heavy")));
        var light = Fixtures.randomDense(173, 2, 1);
        String lightId = created(api.postJson("/api/v1/models", light.linearRequest("slicing-light")));
        var jdbc = platform.context().getBean(JdbcClient.class);

        // two shards, one per lane of the shared platform, each six windows of batch-rows (8192) long
        String batchId = created(api.postJson("/api/v1/jobs", inferenceJob(heavyId, datasetId, FEATURES, 2)));
        var batch = UUID.fromString(batchId);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> jdbc.sql("select count(*) from shards where job_id = ? and status = 'RUNNING'")
                                .param(batch)
                                .query(Long.class)
                                .single()
                        == 2);

        var call = api.postJson("/api/v1/models/" + lightId + "/predict", Map.of("rows", List.of(new float[] {1, 2})));

        assertThat(call.status()).as(call.text()).isEqualTo(200);
        var callJob = UUID.fromString(call.json().get("jobId").asString());
        awaitStatus(api, batchId, "SUCCEEDED");
        assertOutputs(api.get("/api/v1/jobs/" + batchId + "/result").json(), table, FEATURES, heavy);
        var shards = jdbc.sql("select count(*) from shards where job_id = ?")
                .param(batch)
                .query(Long.class)
                .single();
        assertThat(shards).as("a batch shard gave its lane up part-way").isGreaterThan(2);
        var callStarted = jdbc.sql("select started_at from shards where job_id = ?")
                .param(callJob)
                .query(Timestamp.class)
                .single();
        var batchEnded = jdbc.sql("select max(finished_at) from shards where job_id = ?")
                .param(batch)
                .query(Timestamp.class)
                .single();
        assertThat(callStarted).as("the call ran before the batch ended").isBefore(batchEnded);
        var progress = api.get("/api/v1/jobs/" + batchId).json().get("progress");
        assertThat(progress.get("shardsDone").asInt()).isEqualTo(shards.intValue());
        assertThat(progress.get("shardsTotal").asInt()).isEqualTo(shards.intValue());
    }
}
