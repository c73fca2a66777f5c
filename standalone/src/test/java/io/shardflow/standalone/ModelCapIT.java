package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.assertOutputs;
import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Workers that may hold at most 16,000 parameter bytes, and a model of 27,168: DATA fails with a reason that names
 * the cap and the partition size; TENSOR with enough shards and AUTO succeed with correct outputs, and the plan
 * preview shows what AUTO will choose.
 */
class ModelCapIT {
    private static final long CAP = 16_000;
    private static ShardflowStandalone platform;
    private static Api api;

    @BeforeAll
    static void start() {
        platform = TestPlatform.withModelCap(CAP);
        api = TestPlatform.api(platform);
    }

    @AfterAll
    static void stop() {
        platform.close();
    }

    private static Map<String, Object> job(
            String modelId, String datasetId, List<String> features, Map<String, Object> parallelism) {
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "INFERENCE");
        job.put("model", Map.of("id", modelId));
        job.put("dataset", Map.of("id", datasetId, "features", features));
        if (parallelism != null) {
            job.put("parallelism", parallelism);
        }
        return job;
    }

    @Test
    void aModelAboveTheCapRunsOnlyWhenSplit() {
        var wide = Fixtures.randomTable(
                72,
                64,
                List.of(
                        "p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8", "p9", "p10", "p11", "p12", "p13", "p14",
                        "p15", "p16", "p17", "p18", "p19", "p20", "p21", "p22", "p23", "p24", "p25", "p26", "p27",
                        "p28", "p29", "p30", "p31"));
        var inputs = wide.columns();
        String datasetId = created(api.postCsv("/api/v1/datasets?name=capped", wide.csv()));
        var model = Fixtures.randomDense(73, 32, 64, 64, 8);
        var registered = api.postJson("/api/v1/models", model.mlpRequest("too big for one worker"))
                .json();
        assertThat(registered.get("parameterBytes").asLong()).isEqualTo(27_168).isGreaterThan(CAP);
        String modelId = registered.get("id").asString();

        String data = created(api.postJson(
                "/api/v1/jobs", job(modelId, datasetId, inputs, Map.of("strategy", "DATA", "dataShards", 2))));
        String tensor = created(api.postJson(
                "/api/v1/jobs", job(modelId, datasetId, inputs, Map.of("strategy", "TENSOR", "modelShards", 2))));
        var preview = api.postJson("/api/v1/jobs:plan", job(modelId, datasetId, inputs, null));
        String auto = created(api.postJson("/api/v1/jobs", job(modelId, datasetId, inputs, null)));

        var failed = awaitStatus(api, data, "FAILED");
        assertThat(failed.get("error").asString()).contains("27168 bytes").contains("max-model-bytes of 16000");
        awaitStatus(api, tensor, "SUCCEEDED");
        assertOutputs(api.get("/api/v1/jobs/" + tensor + "/result").json(), wide, inputs, model);
        var autoJob = awaitStatus(api, auto, "SUCCEEDED");
        assertOutputs(api.get("/api/v1/jobs/" + auto + "/result").json(), wide, inputs, model);

        var plan = autoJob.get("plan");
        assertThat(plan.get("model").get("strategy").asString()).isEqualTo("TENSOR");
        assertThat(plan.get("model").get("largestPartitionBytes").asLong()).isLessThanOrEqualTo(CAP);
        assertThat(plan.get("model").get("reason").asString()).contains("exceeds the 16000-byte cap");
        assertThat(preview.status()).isEqualTo(200);
        assertThat(preview.json().get("model")).isEqualTo(plan.get("model"));
        assertThat(preview.json().get("strategy")).isEqualTo(plan.get("strategy"));
    }

    @Test
    void aModelThatFitsRunsAsDataUnderAuto() {
        String datasetId = created(api.postCsv(
                "/api/v1/datasets?name=small",
                Fixtures.randomTable(74, 40, List.of("x", "y")).csv()));
        String modelId = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(75, 2, 3).linearRequest("small")));

        var plan = api.postJson("/api/v1/jobs:plan", job(modelId, datasetId, List.of("x", "y"), null))
                .json();

        assertThat(plan.get("strategy").asString()).isEqualTo("DATA");
        assertThat(plan.get("dataShards").asInt()).isEqualTo(2);
        assertThat(plan.get("model").get("reason").asString()).contains("fits a worker");
    }

    @Test
    void modelsTooLargeForABodyAreRegisteredFromASeed() {
        var response = api.postJson(
                "/api/v1/models",
                Map.of(
                        "name",
                        "seeded",
                        "init",
                        Map.of("seed", 4),
                        "architecture",
                        Map.of("kind", "mlp", "layers", List.of(700, 600, 3))));
        assertThat(response.status()).isEqualTo(201);
        var exported = api.get("/api/v1/models/" + response.json().get("id").asString() + "/parameters")
                .json();
        assertThat(exported.get("parameters").get("layers").get(0).get("weight").size())
                .isEqualTo(600);
        assertThat(exported.get("parameters")
                        .get("layers")
                        .get(0)
                        .get("weight")
                        .get(0)
                        .size())
                .isEqualTo(700);
        var both = api.postJson(
                "/api/v1/models",
                Map.of(
                        "name",
                        "x",
                        "init",
                        Map.of("seed", 4),
                        "architecture",
                        Map.of("kind", "linear", "inputs", 2, "outputs", 1),
                        "parameters",
                        Map.of("weight", List.of(List.of(1, 2)), "bias", List.of(0))));
        assertThat(both.status()).isEqualTo(400);
        assertThat(both.json().get("field").asString()).isEqualTo("init");
    }
}
