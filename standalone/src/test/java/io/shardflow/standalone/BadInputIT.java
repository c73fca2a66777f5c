package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static io.shardflow.standalone.Fixtures.inferenceJob;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bad input gets a problem that names the field, or a FAILED job that says why; nothing else is lost. */
class BadInputIT {
    private final ShardflowStandalone platform = TestPlatform.shared();
    private final Api api = TestPlatform.api(platform);
    private String datasetId;
    private String modelId;

    @BeforeEach
    void inputs() {
        datasetId = created(api.postCsv("/api/v1/datasets?name=bad-input", "x,y\n1,2\n3,4\n"));
        modelId = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(1, 2, 1).linearRequest("bad-input")));
    }

    private static void assertProblem(Api.Response response, int status, String field) {
        assertThat(response.status()).as(response.text()).isEqualTo(status);
        assertThat(response.contentType()).startsWith("application/problem+json");
        var problem = response.json();
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("field").asString()).isEqualTo(field);
        assertThat(problem.get("errors").get(0).get("field").asString()).isEqualTo(field);
        assertThat(problem.get("detail").asString()).startsWith(field + ": ");
    }

    @Test
    void anUnknownModelIsRejectedAtIntake() {
        var response = api.postJson(
                "/api/v1/jobs", inferenceJob(UUID.randomUUID().toString(), datasetId, List.of("x", "y"), 2));
        assertProblem(response, 400, "model.id");
        assertThat(response.json().get("detail").asString()).contains("does not exist");
    }

    @Test
    void aMissingFeatureColumnNamesTheColumn() {
        var response = api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("x", "z"), 2));
        assertProblem(response, 400, "dataset.features[1]");
        assertThat(response.json().get("detail").asString()).contains("'z'").contains("x, y");
    }

    @Test
    void aFeatureCountThatIsNotTheModelsInputCountIsRejected() {
        var response = api.postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("x"), 1));
        assertProblem(response, 400, "dataset.features");
        assertThat(response.json().get("detail").asString()).contains("takes 2 inputs");
    }

    @Test
    void wrongParameterShapesNameTheOffendingTensor() {
        var rowTooShort = Map.of(
                "name",
                "m",
                "architecture",
                Map.of("kind", "linear", "inputs", 3, "outputs", 2),
                "parameters",
                Map.of("weight", new float[][] {{1, 2, 3}, {4, 5}}, "bias", new float[] {0, 0}));
        assertProblem(api.postJson("/api/v1/models", rowTooShort), 400, "parameters.weight[1]");

        var wrongBias = Map.of(
                "name",
                "m",
                "architecture",
                Map.of("kind", "mlp", "layers", List.of(2, 3, 1)),
                "parameters",
                Map.of(
                        "layers",
                        List.of(
                                Map.of("weight", new float[][] {{1, 2}, {3, 4}, {5, 6}}, "bias", new float[] {0, 0, 0}),
                                Map.of("weight", new float[][] {{1, 2, 3}}, "bias", new float[] {0, 0}))));
        assertProblem(api.postJson("/api/v1/models", wrongBias), 400, "parameters.layers[1].bias");

        var badWidth = Map.of(
                "name",
                "m",
                "architecture",
                Map.of("kind", "mlp", "layers", List.of(2, 0, 1)),
                "parameters",
                Map.of("layers", List.of()));
        assertProblem(api.postJson("/api/v1/models", badWidth), 400, "architecture.layers[1]");

        var unknownKind = Map.of("name", "m", "architecture", Map.of("kind", "cnn"), "parameters", Map.of());
        assertThat(api.postJson("/api/v1/models", unknownKind).status()).isEqualTo(400);
    }

    @Test
    void anIdempotencyKeyReusedForAnotherRequestIsRejected() {
        String key = UUID.randomUUID().toString();
        var first = api.postJson(
                "/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("x", "y"), 1), "Idempotency-Key", key);
        assertThat(first.status()).isEqualTo(202);

        var other = api.postJson(
                "/api/v1/jobs", inferenceJob(modelId, datasetId, List.of("x", "y"), 2), "Idempotency-Key", key);

        assertProblem(other, 400, "Idempotency-Key");
        assertThat(other.json().get("detail").asString())
                .contains(first.json().get("id").asString());
    }

    @Test
    void aDatasetUploadWithoutANameSaysSo() {
        assertProblem(api.postCsv("/api/v1/datasets", "a\n1\n"), 400, "name");
    }

    @Test
    void malformedJsonIsABadRequestNeverAServerError() {
        assertThat(api.postJson("/api/v1/jobs", "{\"type\":\"INFERENCE\",").status())
                .isEqualTo(400);
        assertThat(api.postJson("/api/v1/jobs", "not json").status()).isEqualTo(400);
        assertThat(api.postJson("/api/v1/jobs", "").status()).isEqualTo(400);
        assertProblem(api.postJson("/api/v1/jobs", "{\"type\":\"SORTING\"}"), 400, "type");
        assertProblem(api.postJson("/api/v1/jobs", "{\"type\":\"INFERENCE\"}"), 400, "model");
        assertProblem(
                api.postJson("/api/v1/jobs", "{\"type\":\"INFERENCE\",\"model\":{\"id\":\"nope\"}}"), 400, "model.id");
        assertProblem(
                api.postJson(
                        "/api/v1/jobs",
                        Map.of(
                                "type",
                                "INFERENCE",
                                "model",
                                Map.of("id", modelId),
                                "dataset",
                                Map.of("id", datasetId, "features", List.of("x", "y")),
                                "parallelism",
                                Map.of("strategy", "DATA", "dataShards", 0))),
                400,
                "parallelism.dataShards");
        assertProblem(
                api.postJson(
                        "/api/v1/jobs",
                        Map.of(
                                "type",
                                "INFERENCE",
                                "model",
                                Map.of("id", modelId),
                                "dataset",
                                Map.of("id", datasetId, "features", List.of("x", "y")),
                                "parallelism",
                                Map.of("strategy", "TENSOR"))),
                400,
                "parallelism.modelShards");
        assertProblem(
                api.postJson(
                        "/api/v1/jobs",
                        Map.of(
                                "type",
                                "INFERENCE",
                                "model",
                                Map.of("id", modelId),
                                "dataset",
                                Map.of("id", datasetId, "features", List.of("x", "y")),
                                "parallelism",
                                Map.of("strategy", "TENSOR", "modelShards", 2))),
                400,
                "parallelism.modelShards");
    }

    @Test
    void aCsvWithABadValueNamesItsRowAndColumnAndStoresNothing() {
        var response = api.postCsv("/api/v1/datasets?name=broken", "a,b\n1,2\n3,oops\n");
        assertProblem(response, 400, "body");
        assertThat(response.json().get("detail").asString())
                .contains("row 2")
                .contains("'b'")
                .contains("oops");
        assertProblem(api.postCsv("/api/v1/datasets?name=ragged", "a,b\n1,2\n3\n"), 400, "body");
        assertProblem(api.postCsv("/api/v1/datasets?name=dupes", "a,a\n1,2\n"), 400, "body");
        assertProblem(api.postCsv("/api/v1/datasets?name=inf", "a\nInfinity\n"), 400, "body");
        var names = api.get("/api/v1/datasets?size=200").json().findValuesAsString("name");
        assertThat(names).doesNotContain("broken", "ragged", "dupes", "inf");
    }

    @Test
    void aJobThatCannotBePlannedFailsWithItsReason() {
        var jobId = Fixtures.unplannableJob(platform, datasetId, List.of("x", "y"));

        var job = awaitStatus(api, jobId.toString(), "FAILED");

        assertThat(job.get("error").asString()).contains("model.id").contains("does not exist");
        var result = api.get("/api/v1/jobs/" + jobId + "/result");
        assertThat(result.status()).isEqualTo(409);
        assertThat(result.contentType()).startsWith("application/problem+json");
        assertThat(result.json().get("detail").asString()).contains("FAILED");
    }
}
