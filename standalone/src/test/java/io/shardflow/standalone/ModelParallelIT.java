package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Model shards are exact: TENSOR (k = 2, 3, 4), PIPELINE (k = 2, 3; m = 1, 4) and HYBRID outputs equal the
 * unsharded DATA outputs within 1e-5 relative to the output scale, for a linear model and MLPs of several depths,
 * with widths that do not divide by k.
 */
class ModelParallelIT {
    private static final double TOLERANCE = 1e-5;
    private final ShardflowStandalone platform = TestPlatform.shared();
    private final Api api = TestPlatform.api(platform);

    private record Case(String name, Map<String, Object> parallelism) {}

    private static Map<String, Object> split(Object... keyValues) {
        var map = new LinkedHashMap<String, Object>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put((String) keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    private List<Case> cases(int layers, int narrowest) {
        var cases = new ArrayList<Case>();
        for (int k = 2; k <= Math.min(4, narrowest); k++) {
            cases.add(new Case("TENSOR " + k, split("strategy", "TENSOR", "modelShards", k)));
        }
        for (int k = 2; k <= Math.min(3, layers); k++) {
            for (int m : new int[] {1, 4}) {
                cases.add(new Case(
                        "PIPELINE " + k + "×" + m, split("strategy", "PIPELINE", "modelShards", k, "microBatches", m)));
            }
        }
        if (narrowest >= 2) {
            cases.add(new Case("HYBRID 3×2 TENSOR", split("strategy", "HYBRID", "dataShards", 3, "modelShards", 2)));
        }
        if (layers >= 2) {
            cases.add(new Case(
                    "HYBRID 2×2 PIPELINE",
                    split(
                            "strategy",
                            "HYBRID",
                            "dataShards",
                            2,
                            "modelShards",
                            2,
                            "modelStrategy",
                            "PIPELINE",
                            "microBatches",
                            2)));
        }
        return cases;
    }

    private String submit(String modelId, String datasetId, List<String> features, Map<String, Object> parallelism) {
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "INFERENCE");
        job.put("model", Map.of("id", modelId));
        job.put("dataset", Map.of("id", datasetId, "features", features));
        job.put("parallelism", parallelism);
        return created(api.postJson("/api/v1/jobs", job));
    }

    @Test
    void everySplitEqualsDataParallelInference() {
        var features = List.of("a", "b", "c", "d", "e", "f");
        var table = Fixtures.randomTable(61, 97, features);
        String datasetId = created(api.postCsv("/api/v1/datasets?name=model-parallel", table.csv()));
        var models = List.of(
                Fixtures.randomDense(62, 6, 5).linearRequest("linear 6-5"),
                Fixtures.randomDense(63, 6, 7, 5).mlpRequest("mlp 6-7-5"),
                Fixtures.randomDense(64, 6, 9, 7, 4).mlpRequest("mlp 6-9-7-4"),
                Fixtures.randomDense(65, 6, 10, 11, 10, 3).mlpRequest("mlp 6-10-11-10-3"));
        int[][] shapes = {{1, 5}, {2, 5}, {3, 4}, {4, 3}};

        var checks = new ArrayList<String[]>();
        for (int i = 0; i < models.size(); i++) {
            String modelId = created(api.postJson("/api/v1/models", models.get(i)));
            String reference = submit(modelId, datasetId, features, split("strategy", "DATA", "dataShards", 2));
            for (var c : cases(shapes[i][0], shapes[i][1])) {
                checks.add(new String[] {
                    models.get(i).get("name") + " " + c.name(),
                    reference,
                    submit(modelId, datasetId, features, c.parallelism())
                });
            }
        }

        assertThat(checks).hasSizeGreaterThan(20);
        for (var check : checks) {
            awaitStatus(api, check[1], "SUCCEEDED");
            var job = awaitStatus(api, check[2], "SUCCEEDED");
            var expected =
                    api.get("/api/v1/jobs/" + check[1] + "/result").json().get("outputs");
            var actual = api.get("/api/v1/jobs/" + check[2] + "/result").json().get("outputs");
            assertClose(check[0], expected, actual);
            var model = job.get("plan").get("model");
            assertThat(model.get("largestPartitionBytes").asLong())
                    .as(check[0])
                    .isLessThan(model.get("modelBytes").asLong());
            assertThat(check[0]).contains(model.get("strategy").asString());
            assertThat(check[0]).contains(job.get("plan").get("strategy").asString());
            assertThat(job.get("progress").get("shardsDone").asInt())
                    .as(check[0])
                    .isEqualTo(job.get("progress").get("shardsTotal").asInt())
                    .isGreaterThan(1);
        }
    }

    private static void assertClose(String name, JsonNode expected, JsonNode actual) {
        assertThat(actual.size()).as(name).isEqualTo(expected.size());
        double scale = 1;
        for (var row : expected) {
            for (var v : row) {
                scale = Math.max(scale, Math.abs(v.asDouble()));
            }
        }
        double worst = 0;
        for (int r = 0; r < expected.size(); r++) {
            assertThat(actual.get(r).size()).as(name).isEqualTo(expected.get(r).size());
            for (int c = 0; c < expected.get(r).size(); c++) {
                worst = Math.max(
                        worst,
                        Math.abs(actual.get(r).get(c).asDouble()
                                - expected.get(r).get(c).asDouble()));
            }
        }
        assertThat(worst / scale)
                .as(name + ": max difference relative to the output scale")
                .isLessThanOrEqualTo(TOLERANCE);
    }
}
