package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.core.training.TrainingSchedule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

/**
 * Data-parallel training through the real platform, checked against a plain single-process DJL loop: synchronous
 * SGD with 1, 2 and 4 shards ends within 1e-4 (max absolute difference over all parameters) of the loop with the
 * same initial parameters, global batches, data order and optimiser.
 */
class TrainingIT {
    private static final double TOLERANCE = 1e-4;
    private final ShardflowStandalone platform = TestPlatform.shared();
    private final Api api = TestPlatform.api(platform);

    /** 3 classes from a random linear rule over 5 features, 203 rows (batches do not divide it evenly). */
    private static Fixtures.Table classes() {
        var random = new Random(41);
        var columns = List.of("f0", "f1", "f2", "f3", "f4", "class");
        var values = new float[203][6];
        for (float[] row : values) {
            double best = Double.NEGATIVE_INFINITY;
            for (int f = 0; f < 5; f++) {
                row[f] = (float) random.nextGaussian();
            }
            for (int c = 0; c < 3; c++) {
                double score = row[c] - 0.5 * row[c + 2] + 0.3 * c;
                if (score > best) {
                    best = score;
                    row[5] = c;
                }
            }
        }
        return new Fixtures.Table(columns, values);
    }

    private static final List<String> FEATURES = List.of("f0", "f1", "f2", "f3", "f4");

    private Map<String, Object> trainingJob(
            String modelId, String datasetId, int shards, Map<String, Object> training) {
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "TRAINING");
        job.put("model", Map.of("id", modelId));
        job.put("dataset", Map.of("id", datasetId, "features", FEATURES, "label", "class"));
        job.put("parallelism", Map.of("strategy", "DATA", "dataShards", shards));
        job.put("training", training);
        return job;
    }

    static float[][] flat(JsonNode exported) {
        var params = new ArrayList<float[]>();
        var parameters = exported.get("parameters");
        var layers = parameters.has("layers") ? parameters.get("layers") : null;
        int count = layers == null ? 1 : layers.size();
        for (int l = 0; l < count; l++) {
            var layer = layers == null ? parameters : layers.get(l);
            var weight = layer.get("weight");
            int rows = weight.size();
            int cols = weight.get(0).size();
            var w = new float[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    w[r * cols + c] = (float) weight.get(r).get(c).asDouble();
                }
            }
            var bias = layer.get("bias");
            var b = new float[bias.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) bias.get(i).asDouble();
            }
            params.add(w);
            params.add(b);
        }
        return params.toArray(float[][]::new);
    }

    static double maxDifference(float[][] a, float[][] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).hasSameSizeAs(b[i]);
            for (int j = 0; j < a[i].length; j++) {
                max = Math.max(max, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return max;
    }

    private JsonNode train(Map<String, Object> job) {
        String jobId = created(api.postJson("/api/v1/jobs", job));
        var done = awaitStatus(api, jobId, "SUCCEEDED");
        assertThat(done.get("resultModelId").isNull()).isFalse();
        return done;
    }

    @ParameterizedTest(name = "{0} data shards")
    @ValueSource(ints = {1, 2, 4})
    void synchronousAdamTrainingEqualsTheSingleProcessDjlLoop(int shards) {
        var table = classes();
        String datasetId = created(api.postCsv("/api/v1/datasets?name=classes", table.csv()));
        var initial = Fixtures.randomDense(42, 5, 8, 3);
        var register = new LinkedHashMap<>(initial.mlpRequest("start"));
        register.put(
                "architecture",
                Map.of("kind", "mlp", "layers", List.of(5, 8, 3), "activation", "relu", "task", "classification"));
        String modelId = created(api.postJson("/api/v1/models", register));
        var training = Map.<String, Object>of(
                "epochs",
                3,
                "batchSize",
                32,
                "optimizer",
                "adam",
                "learningRate",
                0.02,
                "seed",
                7,
                "validationSplit",
                0.1);

        var job = train(trainingJob(modelId, datasetId, shards, training));

        var schedule = new TrainingSchedule(203, 0.1, 7, 32);
        int steps = schedule.stepsPerEpoch() * 3;
        assertThat(job.get("progress").get("step").asInt()).isEqualTo(steps);
        assertThat(job.get("progress").get("steps").asInt()).isEqualTo(steps);
        assertThat(job.get("progress").get("epoch").asInt()).isEqualTo(3);
        var expected = ReferenceTraining.train(
                flat(api.get("/api/v1/models/" + modelId + "/parameters").json()),
                new int[] {5, 8, 3},
                table,
                FEATURES,
                "class",
                ReferenceTraining.Loss.SOFTMAX_CROSS_ENTROPY,
                ReferenceTraining.adam(0.02f),
                schedule,
                steps);
        var trained = flat(api.get("/api/v1/models/" + job.get("resultModelId").asString() + "/parameters")
                .json());
        assertThat(maxDifference(trained, expected)).isLessThanOrEqualTo(TOLERANCE);
    }

    /**
     * Model-parallel training keeps each model shard's slices of the parameters, and their optimiser state, apart:
     * PIPELINE runs GPipe stages in micro-batches, each stage updating its own layers; TENSOR splits the pair of
     * layers 0 and 1 Megatron-style (summed) and computes the loss with the odd last layer in one part; HYBRID runs
     * either over data shards. Every split ends where the single
     * process does.
     */
    @ParameterizedTest(name = "{0} over {1} data shards × {2} {3} model shards, {4} micro-batches")
    @org.junit.jupiter.params.provider.CsvSource({
        "PIPELINE, 1, 2, PIPELINE, 2",
        "PIPELINE, 1, 3, PIPELINE, 4",
        "TENSOR, 1, 2, TENSOR, 1",
        "HYBRID, 2, 3, TENSOR, 2",
        "HYBRID, 2, 3, PIPELINE, 2"
    })
    void modelParallelTrainingEqualsTheSingleProcessDjlLoop(
            String strategy, int dataShards, int modelShards, String modelStrategy, int microBatches) {
        var table = classes();
        String datasetId = created(api.postCsv("/api/v1/datasets?name=classes-split", table.csv()));
        var initial = Fixtures.randomDense(44, 5, 8, 6, 3);
        var register = new LinkedHashMap<>(initial.mlpRequest("split start"));
        register.put(
                "architecture",
                Map.of("kind", "mlp", "layers", List.of(5, 8, 6, 3), "activation", "relu", "task", "classification"));
        String modelId = created(api.postJson("/api/v1/models", register));
        var parallelism = new LinkedHashMap<String, Object>();
        parallelism.put("strategy", strategy);
        parallelism.put("modelShards", modelShards);
        parallelism.put("microBatches", microBatches);
        if (strategy.equals("HYBRID")) {
            parallelism.put("dataShards", dataShards);
            parallelism.put("modelStrategy", modelStrategy);
        }
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "TRAINING");
        job.put("model", Map.of("id", modelId));
        job.put("dataset", Map.of("id", datasetId, "features", FEATURES, "label", "class"));
        job.put("parallelism", parallelism);
        job.put(
                "training",
                Map.of(
                        "epochs",
                        2,
                        "batchSize",
                        32,
                        "optimizer",
                        "adam",
                        "learningRate",
                        0.02,
                        "seed",
                        9,
                        "validationSplit",
                        0.1,
                        "checkpointEvery",
                        4));

        var done = train(job);

        var schedule = new TrainingSchedule(203, 0.1, 9, 32);
        int steps = schedule.stepsPerEpoch() * 2;
        assertThat(done.get("plan").get("strategy").asString()).isEqualTo(strategy);
        assertThat(done.get("plan").get("model").get("modelShards").asInt()).isEqualTo(modelShards);
        assertThat(done.get("progress").get("step").asInt()).isEqualTo(steps);
        assertThat(done.get("metrics").get("validationAccuracy").isNull()).isFalse();
        var expected = ReferenceTraining.train(
                flat(api.get("/api/v1/models/" + modelId + "/parameters").json()),
                new int[] {5, 8, 6, 3},
                table,
                FEATURES,
                "class",
                ReferenceTraining.Loss.SOFTMAX_CROSS_ENTROPY,
                ReferenceTraining.adam(0.02f),
                schedule,
                steps);
        var trained = flat(api.get("/api/v1/models/" + done.get("resultModelId").asString() + "/parameters")
                .json());
        double difference = maxDifference(trained, expected);
        System.out.printf(
                "%s %d × %d %s, %d micro-batches: largest difference from the single process %.2e%n",
                strategy, dataShards, modelShards, modelStrategy, microBatches, difference);
        assertThat(difference).isLessThanOrEqualTo(TOLERANCE);
    }

    @Test
    void synchronousSgdWithMomentumOnARegressionEqualsTheDjlLoop() {
        var random = new Random(5);
        var values = new float[150][4];
        for (float[] row : values) {
            row[0] = (float) random.nextGaussian();
            row[1] = (float) random.nextGaussian();
            row[2] = (float) random.nextGaussian();
            row[3] = 2 * row[0] - row[1] + 0.5f * row[2] + 1 + (float) random.nextGaussian() * 0.1f;
        }
        var table = new Fixtures.Table(List.of("a", "b", "c", "y"), values);
        String datasetId = created(api.postCsv("/api/v1/datasets?name=regression", table.csv()));
        var initial = Fixtures.randomDense(6, 3, 1);
        String modelId = created(api.postJson("/api/v1/models", initial.linearRequest("line")));
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "TRAINING");
        job.put("model", Map.of("id", modelId));
        job.put("dataset", Map.of("id", datasetId, "features", List.of("a", "b", "c"), "label", "y"));
        job.put("parallelism", Map.of("strategy", "DATA", "dataShards", 3));
        job.put(
                "training",
                Map.of(
                        "steps",
                        40,
                        "batchSize",
                        16,
                        "optimizer",
                        "sgd",
                        "learningRate",
                        0.05,
                        "momentum",
                        0.9,
                        "seed",
                        3));

        var done = train(job);

        var schedule = new TrainingSchedule(150, 0, 3, 16);
        var expected = ReferenceTraining.train(
                flat(api.get("/api/v1/models/" + modelId + "/parameters").json()),
                new int[] {3, 1},
                table,
                List.of("a", "b", "c"),
                "y",
                ReferenceTraining.Loss.MSE,
                ReferenceTraining.sgd(0.05f, 0.9f),
                schedule,
                40);
        var trained = flat(api.get("/api/v1/models/" + done.get("resultModelId").asString() + "/parameters")
                .json());
        assertThat(maxDifference(trained, expected)).isLessThanOrEqualTo(TOLERANCE);
        // and it learnt the rule y = 2a - b + 0.5c + 1
        assertThat(trained[0][0]).isCloseTo(2f, org.assertj.core.data.Offset.offset(0.1f));
        assertThat(trained[1][0]).isCloseTo(1f, org.assertj.core.data.Offset.offset(0.1f));
    }
}
