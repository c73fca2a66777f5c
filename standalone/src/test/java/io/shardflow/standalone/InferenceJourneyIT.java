package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.assertOutputs;
import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static io.shardflow.standalone.Fixtures.inferenceJob;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A business app's path through the real platform: upload a dataset, register models, run data-parallel
 * inference, read the result. Outputs are checked against W·x+b computed in the test.
 */
class InferenceJourneyIT {
    private final ShardflowStandalone platform = TestPlatform.shared();
    private final Api api = TestPlatform.api(platform);

    @Test
    void linearInferenceOverThreeShardsEqualsWxPlusB() {
        var table = Fixtures.randomTable(1, 1000, List.of("x0", "x1", "unused", "x2"));
        var dataset = api.postCsv("/api/v1/datasets?name=linear-input", table.csv());
        assertThat(dataset.status()).isEqualTo(201);
        assertThat(dataset.json().get("rows").asLong()).isEqualTo(1000);
        assertThat(dataset.json().get("columns").toString()).isEqualTo("[\"x0\",\"x1\",\"unused\",\"x2\"]");
        var model = Fixtures.randomDense(2, 3, 2);
        String modelId = created(api.postJson("/api/v1/models", model.linearRequest("lin")));
        // features in another order than the file's columns: the job names which column feeds which input
        var features = List.of("x2", "x0", "x1");

        var submitted = api.postJson(
                "/api/v1/jobs", inferenceJob(modelId, dataset.json().get("id").asString(), features, 3));
        assertThat(submitted.status()).isEqualTo(202);
        assertThat(submitted.json().get("status").asString()).isEqualTo("QUEUED");
        String jobId = submitted.json().get("id").asString();

        var job = awaitStatus(api, jobId, "SUCCEEDED");
        assertThat(job.get("progress").get("shardsDone").asInt()).isEqualTo(3);
        assertThat(job.get("progress").get("shardsTotal").asInt()).isEqualTo(3);
        assertThat(job.get("plan").get("shards").size()).isEqualTo(3);
        assertThat(job.get("error").isNull()).isTrue();
        assertOutputs(api.get("/api/v1/jobs/" + jobId + "/result").json(), table, features, model);

        var csv = api.get("/api/v1/jobs/" + jobId + "/result", "text/csv");
        assertThat(csv.contentType()).startsWith("text/csv");
        var lines = csv.text().split("\n");
        assertThat(lines).hasSize(1001);
        assertThat(lines[0]).isEqualTo("output_0,output_1");

        var events = api.get("/api/v1/jobs/" + jobId + "/events").json();
        assertThat(events.findValuesAsString("type"))
                .containsSubsequence(
                        "io.shardflow.job.queued", "io.shardflow.job.running", "io.shardflow.job.succeeded");
    }

    @Test
    void mlpInferenceOverThreeShardsEqualsTheReferenceForwardPass() {
        var table = Fixtures.randomTable(3, 777, List.of("a", "b", "c", "d"));
        String datasetId = created(api.postCsv("/api/v1/datasets?name=mlp-input", table.csv()));
        var model = Fixtures.randomDense(4, 4, 16, 8, 3);
        var registered = api.postJson("/api/v1/models", model.mlpRequest("mlp"));
        assertThat(registered.json().get("architecture").get("kind").asString()).isEqualTo("mlp");
        String modelId = created(registered);
        var features = List.of("a", "b", "c", "d");

        String jobId = created(api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, features, 3)));

        awaitStatus(api, jobId, "SUCCEEDED");
        assertOutputs(api.get("/api/v1/jobs/" + jobId + "/result").json(), table, features, model);
    }

    @Test
    void withoutAShardCountTheJobSplitsOverTheWorkerLanes() {
        var table = Fixtures.randomTable(5, 50, List.of("x"));
        String datasetId = created(api.postCsv("/api/v1/datasets?name=lanes", table.csv()));
        var model = Fixtures.randomDense(6, 1, 1);
        String modelId = created(api.postJson("/api/v1/models", model.linearRequest("one")));

        String jobId = created(api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("x"), null)));

        var job = awaitStatus(api, jobId, "SUCCEEDED");
        assertThat(job.get("plan").get("dataShards").asInt())
                .isEqualTo(2); // this platform runs one worker with 2 lanes
        assertOutputs(api.get("/api/v1/jobs/" + jobId + "/result").json(), table, List.of("x"), model);
    }

    @Test
    void aGetWithWaitMsAnswersWhenTheJobHasEnded() {
        var table = Fixtures.randomTable(7, 300, List.of("x"));
        String datasetId = created(api.postCsv("/api/v1/datasets?name=waited", table.csv()));
        var model = Fixtures.randomDense(8, 1, 2);
        String modelId = created(api.postJson("/api/v1/models", model.linearRequest("waited")));

        String jobId = created(api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("x"), 2)));
        var waited = api.get("/api/v1/jobs/" + jobId + "?waitMs=30000");

        assertThat(waited.status()).isEqualTo(200);
        assertThat(waited.json().get("status").asString()).isEqualTo("SUCCEEDED");
        assertOutputs(api.get("/api/v1/jobs/" + jobId + "/result").json(), table, List.of("x"), model);
        for (String bad : List.of("-1", "60001")) {
            var refused = api.get("/api/v1/jobs/" + jobId + "?waitMs=" + bad);
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.json().toString()).contains("waitMs");
        }
    }

    @Test
    void spreadsheetCsvWithAByteOrderMarkQuotesAndCrlfIsReadAsNumbers() {
        String csv = "\uFEFF\"first col\",b\r\n1.5,-2\r\n\r\n\"3\",4e2\r\n";
        var dataset = api.postCsv("/api/v1/datasets?name=spreadsheet", csv);
        assertThat(dataset.status()).isEqualTo(201);
        assertThat(dataset.json().get("rows").asLong()).isEqualTo(2);
        assertThat(dataset.json().get("columns").toString()).isEqualTo("[\"first col\",\"b\"]");
        var model = Fixtures.randomDense(31, 2, 1);
        String modelId = created(api.postJson("/api/v1/models", model.linearRequest("spreadsheet")));
        var features = List.of("first col", "b");

        String jobId = created(api.postJson(
                "/api/v1/jobs", inferenceJob(modelId, dataset.json().get("id").asString(), features, 2)));

        awaitStatus(api, jobId, "SUCCEEDED");
        var table = new Fixtures.Table(features, new float[][] {{1.5f, -2}, {3, 400}});
        assertOutputs(api.get("/api/v1/jobs/" + jobId + "/result").json(), table, features, model);
    }

    @Test
    void anEmptyDatasetGivesAnEmptyResult() {
        String datasetId = created(api.postCsv("/api/v1/datasets?name=empty", "x\n"));
        String modelId = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(32, 1, 3).linearRequest("empty")));

        String jobId = created(api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("x"), 4)));

        awaitStatus(api, jobId, "SUCCEEDED");
        var result = api.get("/api/v1/jobs/" + jobId + "/result").json();
        assertThat(result.get("rows").asInt()).isZero();
        assertThat(result.get("outputs").size()).isZero();
    }

    @Test
    void aTenantSeesOnlyItsOwnDatasetsModelsAndJobs() {
        var mine = api.as("mine-" + UUID.randomUUID(), "SUBMITTER");
        var someoneElse = api.as("someone-else-" + UUID.randomUUID(), "SUBMITTER");
        String datasetId = created(mine.postCsv("/api/v1/datasets?name=mine", "x\n1\n"));
        String modelId = created(
                mine.postJson("/api/v1/models", Fixtures.randomDense(33, 1, 1).linearRequest("mine")));
        String jobId = created(mine.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("x"), 1)));

        var other = someoneElse.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("x"), 1));

        assertThat(other.status()).isEqualTo(400);
        assertThat(other.json().get("field").asString()).isEqualTo("dataset.id");
        assertThat(someoneElse.get("/api/v1/jobs/" + jobId).status()).isEqualTo(404);
        assertThat(someoneElse.get("/api/v1/datasets/" + datasetId).status()).isEqualTo(404);
        assertThat(someoneElse.get("/api/v1/models/" + modelId).status()).isEqualTo(404);
        assertThat(someoneElse.get("/api/v1/jobs").json().get("total").asLong()).isZero();
        assertThat(mine.get("/api/v1/jobs/" + jobId).status()).isEqualTo(200);
    }

    @Test
    void aRetriedPostWithTheSameIdempotencyKeyReturnsTheFirstJob() {
        var table = Fixtures.randomTable(7, 10, List.of("x"));
        String datasetId = created(api.postCsv("/api/v1/datasets?name=idem", table.csv()));
        String modelId = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(8, 1, 1).linearRequest("idem")));
        var body = inferenceJob(modelId, datasetId, List.of("x"), 1);
        String key = UUID.randomUUID().toString();

        var first = api.postJson("/api/v1/jobs", body, "Idempotency-Key", key);
        var retry = api.postJson("/api/v1/jobs", body, "Idempotency-Key", key);
        var other = api.postJson(
                "/api/v1/jobs", body, "Idempotency-Key", UUID.randomUUID().toString());

        assertThat(retry.json().get("id").asString())
                .isEqualTo(first.json().get("id").asString());
        assertThat(retry.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(first.header("Idempotent-Replayed")).isNull();
        assertThat(other.json().get("id").asString())
                .isNotEqualTo(first.json().get("id").asString());
    }

    @Test
    void jobsListByStatusAndTypeInPages() {
        var table = Fixtures.randomTable(9, 5, List.of("x"));
        String datasetId = created(api.postCsv("/api/v1/datasets?name=list", table.csv()));
        String modelId = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(10, 1, 1).linearRequest("list")));
        for (int i = 0; i < 3; i++) {
            awaitStatus(
                    api,
                    created(api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("x"), 1))),
                    "SUCCEEDED");
        }

        var page = api.get("/api/v1/jobs?status=SUCCEEDED&type=INFERENCE&size=2&page=0")
                .json();

        assertThat(page.get("items").size()).isEqualTo(2);
        assertThat(page.get("total").asLong()).isGreaterThanOrEqualTo(3);
        assertThat(page.get("items").findValuesAsString("status")).containsOnly("SUCCEEDED");
        var next = api.get("/api/v1/jobs?status=SUCCEEDED&size=2&page=1").json();
        assertThat(ids(next)).hasSize(2).doesNotContainAnyElementsOf(ids(page));
        var bad = api.get("/api/v1/jobs?status=DONE");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("field").asString()).isEqualTo("status");
    }

    private static List<String> ids(tools.jackson.databind.JsonNode page) {
        var ids = new java.util.ArrayList<String>();
        page.get("items").forEach(item -> ids.add(item.get("id").asString()));
        return ids;
    }

    @Test
    void healthIsUpForEveryPartAndTheApiIsDescribed() {
        var health = api.get("/actuator/health").json();
        assertThat(health.get("status").asString()).isEqualTo("UP");
        for (var part : List.of("db", "kafka", "outbox", "api", "scheduler", "worker")) {
            assertThat(health.get("components").get(part).get("status").asString())
                    .as(part)
                    .isEqualTo("UP");
        }
        var docs = api.get("/v3/api-docs");
        assertThat(docs.status()).isEqualTo(200);
        assertThat(docs.json().get("paths").propertyNames())
                .contains(
                        "/api/v1/jobs",
                        "/api/v1/jobs/{id}/result",
                        "/api/v1/datasets",
                        "/api/v1/models",
                        "/api/v1/jobs/{id}/cancel");
        assertThat(api.get("/swagger-ui/index.html").status()).isEqualTo(200);
        assertThat(api.get("/").text()).contains("Shardflow");
    }

    @Test
    void theResultOfAnUnfinishedOrUnknownJobIsAProblemNotAnEmptyBody() {
        var unknown = api.get("/api/v1/jobs/" + UUID.randomUUID() + "/result");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("application/problem+json");
        assertThat(api.get("/api/v1/jobs/" + UUID.randomUUID()).status()).isEqualTo(404);
        var path = api.get("/api/v1/nothing-here");
        assertThat(path.status()).isEqualTo(404);
        assertThat(path.contentType()).startsWith("application/problem+json");
        assertThat(api.get("/api/v1/jobs/not-a-uuid").json().get("field").asString())
                .isEqualTo("id");
    }
}
