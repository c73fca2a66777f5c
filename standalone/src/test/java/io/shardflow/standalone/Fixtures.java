package io.shardflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import tools.jackson.databind.JsonNode;

/** Datasets, models and jobs for end-to-end tests, with the expected outputs computed here in double precision. */
final class Fixtures {
    private Fixtures() {}

    /** A dataset of random values: {@code values[row][column]}, with the CSV text that carries them. */
    record Table(List<String> columns, float[][] values) {
        String csv() {
            var sb = new StringBuilder(String.join(",", columns)).append('\n');
            for (float[] row : values) {
                for (int c = 0; c < row.length; c++) {
                    sb.append(c == 0 ? "" : ",").append(row[c]);
                }
                sb.append('\n');
            }
            return sb.toString();
        }

        float[] row(int r, List<String> features) {
            var x = new float[features.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = values[r][columns.indexOf(features.get(i))];
            }
            return x;
        }
    }

    static Table randomTable(long seed, int rows, List<String> columns) {
        var random = new Random(seed);
        var values = new float[rows][columns.size()];
        for (float[] row : values) {
            for (int c = 0; c < row.length; c++) {
                row[c] = (float) (random.nextGaussian() * 2);
            }
        }
        return new Table(columns, values);
    }

    /** Dense layers {@code weights[l][out][in]}, {@code biases[l][out]}, ReLU between layers. */
    record Dense(float[][][] weights, float[][] biases) {
        double[] forward(float[] x) {
            double[] a = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                a[i] = x[i];
            }
            for (int l = 0; l < weights.length; l++) {
                var next = new double[weights[l].length];
                for (int o = 0; o < next.length; o++) {
                    double sum = biases[l][o];
                    for (int i = 0; i < a.length; i++) {
                        sum += weights[l][o][i] * a[i];
                    }
                    next[o] = l + 1 < weights.length ? Math.max(0, sum) : sum;
                }
                a = next;
            }
            return a;
        }

        Map<String, Object> linearRequest(String name) {
            return Map.of(
                    "name",
                    name,
                    "architecture",
                    Map.of("kind", "linear", "inputs", weights[0][0].length, "outputs", weights[0].length),
                    "parameters",
                    Map.of("weight", weights[0], "bias", biases[0]));
        }

        Map<String, Object> mlpRequest(String name) {
            var widths = new ArrayList<Integer>();
            widths.add(weights[0][0].length);
            var layers = new ArrayList<Map<String, Object>>();
            for (int l = 0; l < weights.length; l++) {
                widths.add(weights[l].length);
                layers.add(Map.of("weight", weights[l], "bias", biases[l]));
            }
            return Map.of(
                    "name",
                    name,
                    "architecture",
                    Map.of("kind", "mlp", "layers", widths, "activation", "relu"),
                    "parameters",
                    Map.of("layers", layers));
        }
    }

    static Dense randomDense(long seed, int... widths) {
        var random = new Random(seed);
        var weights = new float[widths.length - 1][][];
        var biases = new float[widths.length - 1][];
        for (int l = 0; l + 1 < widths.length; l++) {
            weights[l] = new float[widths[l + 1]][widths[l]];
            biases[l] = new float[widths[l + 1]];
            double scale = 1 / Math.sqrt(widths[l]);
            for (int o = 0; o < widths[l + 1]; o++) {
                for (int i = 0; i < widths[l]; i++) {
                    weights[l][o][i] = (float) (random.nextGaussian() * scale);
                }
                biases[l][o] = (float) random.nextGaussian() * 0.1f;
            }
        }
        return new Dense(weights, biases);
    }

    static Map<String, Object> inferenceJob(String modelId, String datasetId, List<String> features, Integer shards) {
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "INFERENCE");
        job.put("model", Map.of("id", modelId));
        job.put("dataset", Map.of("id", datasetId, "features", features));
        if (shards != null) {
            job.put("parallelism", Map.of("strategy", "DATA", "dataShards", shards));
        }
        return job;
    }

    /**
     * A job that skipped the API's checks (as a stale or hand-made request would): its model does not exist, so
     * the scheduler fails it. Returns its id.
     */
    static java.util.UUID unplannableJob(ShardflowStandalone platform, String datasetId, List<String> features) {
        var context = platform.context();
        var jobs = context.getBean(io.shardflow.db.jobs.JobRepository.class);
        var outbox = context.getBean(io.shardflow.db.outbox.Outbox.class);
        var spec = new io.shardflow.core.jobs.JobSpec(
                io.shardflow.core.jobs.JobType.INFERENCE,
                new io.shardflow.core.jobs.JobSpec.ModelRef(java.util.UUID.randomUUID()),
                new io.shardflow.core.jobs.JobSpec.DatasetRef(java.util.UUID.fromString(datasetId), features),
                null,
                null,
                null,
                null,
                null,
                null);
        return context.getBean(org.springframework.transaction.support.TransactionTemplate.class)
                .execute(s -> {
                    var id = jobs.insert(java.util.UUID.randomUUID(), "default", spec, null);
                    outbox.append(
                            io.shardflow.core.messaging.Topics.JOBS,
                            id,
                            new io.shardflow.core.messaging.JobSubmitted(id));
                    return id;
                });
    }

    static String created(Api.Response response) {
        assertThat(response.status()).as(response.text()).isIn(201, 202);
        return response.json().get("id").asString();
    }

    static JsonNode awaitStatus(Api api, String jobId, String status) {
        return awaitStatus(api, jobId, status, Duration.ofSeconds(90));
    }

    /** {@link #awaitStatus(Api, String, String)} for a job that takes longer than most. */
    static JsonNode awaitStatus(Api api, String jobId, String status, Duration atMost) {
        await().atMost(atMost)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> isEnded(api.get("/api/v1/jobs/" + jobId).json(), status));
        var job = api.get("/api/v1/jobs/" + jobId).json();
        assertThat(job.get("status").asString()).as(job.toString()).isEqualTo(status);
        return job;
    }

    private static boolean isEnded(JsonNode job, String wanted) {
        String status = job.get("status").asString();
        return status.equals(wanted)
                || List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(status);
    }

    /** Every output equals the reference within 1e-4 relative to its scale. */
    static void assertOutputs(JsonNode result, Table table, List<String> features, Dense model) {
        int rows = table.values().length;
        assertThat(result.get("rows").asInt()).isEqualTo(rows);
        var outputs = result.get("outputs");
        assertThat(outputs.size()).isEqualTo(rows);
        for (int r = 0; r < rows; r++) {
            double[] expected = model.forward(table.row(r, features));
            var actual = outputs.get(r);
            assertThat(actual.size()).isEqualTo(expected.length);
            for (int o = 0; o < expected.length; o++) {
                assertThat(actual.get(o).asDouble())
                        .as("row %d output %d", r, o)
                        .isCloseTo(
                                expected[o], org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(expected[o]))));
            }
        }
    }
}
