package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.assertOutputs;
import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static io.shardflow.standalone.Fixtures.inferenceJob;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Models move between installations as JSON; datasets also arrive as JSON Lines; training can fine-tune. */
class ModelRegistryIT {
    private final ShardflowStandalone platform = TestPlatform.shared();
    private final Api api = TestPlatform.api(platform);

    @Test
    void anExportedModelRegistersAgainAndComputesTheSameOutputs() {
        var table = Fixtures.randomTable(51, 40, List.of("a", "b"));
        String datasetId = created(api.postCsv("/api/v1/datasets?name=export", table.csv()));
        var model = Fixtures.randomDense(52, 2, 5, 3);
        var request = new LinkedHashMap<>(model.mlpRequest("exported"));
        request.put("preprocessing", Map.of("standardize", Map.of("mean", List.of(0.5, -0.5), "std", List.of(2, 4))));
        String original = created(api.postJson("/api/v1/models", request));

        var exported = api.get("/api/v1/models/" + original + "/parameters");
        assertThat(exported.status()).isEqualTo(200);
        String imported = created(api.postJson("/api/v1/models", exported.text()));

        assertThat(api.get("/api/v1/models/" + imported + "/parameters").json()).isEqualTo(exported.json());
        String first = created(api.postJson("/api/v1/jobs", inferenceJob(original, datasetId, List.of("a", "b"), 2)));
        String second = created(api.postJson("/api/v1/jobs", inferenceJob(imported, datasetId, List.of("a", "b"), 3)));
        awaitStatus(api, first, "SUCCEEDED");
        awaitStatus(api, second, "SUCCEEDED");
        var a = api.get("/api/v1/jobs/" + first + "/result").json();
        assertThat(api.get("/api/v1/jobs/" + second + "/result").json()).isEqualTo(a);
        // the stored standardisation is applied before the first layer
        var scaled = new float[40][];
        for (int r = 0; r < 40; r++) {
            scaled[r] = new float[] {(table.values()[r][0] - 0.5f) / 2, (table.values()[r][1] + 0.5f) / 4};
        }
        assertOutputs(a, new Fixtures.Table(List.of("a", "b"), scaled), List.of("a", "b"), model);
    }

    @Test
    void jsonLinesDatasetsTrainAndFineTuneFromARegisteredModel() {
        var lines = new StringBuilder();
        var random = new java.util.Random(53);
        for (int i = 0; i < 120; i++) {
            double x = random.nextGaussian();
            lines.append("{\"x\":")
                    .append(x)
                    .append(",\"y\":")
                    .append(3 * x - 1)
                    .append("}\n");
        }
        var upload = api.postNdjson("/api/v1/datasets?name=lines", lines.toString());
        assertThat(upload.status()).as(upload.text()).isEqualTo(201);
        assertThat(upload.json().get("format").asString()).isEqualTo("jsonl");
        assertThat(upload.json().get("rows").asLong()).isEqualTo(120);
        String datasetId = upload.json().get("id").asString();
        String start = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(54, 1, 1).linearRequest("start")));
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "TRAINING");
        job.put("model", Map.of("id", start));
        job.put("dataset", Map.of("id", datasetId, "features", List.of("x"), "label", "y"));
        job.put(
                "training",
                Map.of(
                        "epochs",
                        30,
                        "batchSize",
                        20,
                        "optimizer",
                        "adam",
                        "learningRate",
                        0.1,
                        "resultName",
                        "fine-tuned"));

        var done = awaitStatus(api, created(api.postJson("/api/v1/jobs", job)), "SUCCEEDED");

        var tuned = api.get("/api/v1/models/" + done.get("resultModelId").asString() + "/parameters")
                .json();
        assertThat(tuned.get("name").asString()).isEqualTo("fine-tuned");
        assertThat(tuned.get("parameters").get("weight").get(0).get(0).asDouble())
                .isCloseTo(3, org.assertj.core.data.Offset.offset(0.05));
        assertThat(tuned.get("parameters").get("bias").get(0).asDouble())
                .isCloseTo(-1, org.assertj.core.data.Offset.offset(0.05));
        assertThat(done.get("plan").get("training").get("initialModelId").asString())
                .isEqualTo(start);

        var bad = api.postNdjson("/api/v1/datasets?name=bad-lines", "{\"x\":1,\"y\":2}\n{\"x\":\"three\",\"y\":4}\n");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("detail").asString()).contains("line 2").contains("'x'");
        var ragged = api.postNdjson("/api/v1/datasets?name=ragged-lines", "{\"x\":1,\"y\":2}\n{\"x\":3}\n");
        assertThat(ragged.status()).isEqualTo(400);
    }
}
