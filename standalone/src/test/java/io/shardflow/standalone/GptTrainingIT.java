package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.ModelParameters;
import io.shardflow.core.training.OptimizerKind;
import io.shardflow.core.training.ParameterInit;
import io.shardflow.core.training.ParameterOptimizer;
import io.shardflow.core.training.TextSchedule;
import io.shardflow.core.training.TrainingSpec;
import io.shardflow.worker.compute.ComputeEngine;
import io.shardflow.worker.compute.GptNetwork;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * A byte-level gpt trained on a text dataset: data-parallel and model-parallel training equal a single-process DJL
 * loop. ({@link LargeGptTrainingIT} shows it learning real English when it does not fit one worker.)
 */
class GptTrainingIT {
    private final ShardflowStandalone platform = TestPlatform.shared();
    private final Api api = TestPlatform.api(platform);

    static String genesis() {
        try (InputStream in = GptTrainingIT.class.getResourceAsStream("/datasets/genesis-kjv.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Entropy in nats of the bytes' frequencies: the loss of the best model that ignores context. */
    static double unigramEntropy(byte[] text) {
        var counts = new long[256];
        for (byte b : text) {
            counts[b & 0xFF]++;
        }
        double entropy = 0;
        for (long c : counts) {
            if (c > 0) {
                double p = c / (double) text.length;
                entropy -= p * Math.log(p);
            }
        }
        return entropy;
    }

    private static Map<String, Object> trainingJob(
            String datasetId, Map<String, Object> architecture, int shards, Map<String, Object> training) {
        return trainingJob(datasetId, architecture, Map.of("strategy", "DATA", "dataShards", shards), training);
    }

    private static Map<String, Object> trainingJob(
            String datasetId,
            Map<String, Object> architecture,
            Map<String, Object> parallelism,
            Map<String, Object> training) {
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "TRAINING");
        job.put("model", Map.of("architecture", architecture));
        job.put("dataset", Map.of("id", datasetId));
        job.put("parallelism", parallelism);
        job.put("training", training);
        return job;
    }

    @Test
    void shardedTrainingEqualsASingleProcessLoop() {
        String text = genesis().substring(0, 12_000);
        String dataset = created(api.postText("/api/v1/datasets?name=genesis-12k&format=text", text));
        var architecture = new GptArchitecture(1, 2, 16, 16);
        Map<String, Object> training = Map.of(
                "steps",
                6,
                "batchSize",
                12,
                "optimizer",
                "adam",
                "learningRate",
                0.01,
                "seed",
                3,
                "validationSplit",
                0.1);

        var expected = reference(text.getBytes(StandardCharsets.UTF_8), architecture, 6, 12, 0.01f, 3);
        for (int shards : List.of(1, 3)) {
            String jobId = created(api.postJson(
                    "/api/v1/jobs", trainingJob(dataset, GenerationIT.gpt(1, 2, 16, 16), shards, training)));
            var done = awaitStatus(api, jobId, "SUCCEEDED");
            var exported = api.get("/api/v1/models/" + done.get("resultModelId").asString() + "/parameters")
                    .json();
            assertThat(maxDifference(exported.get("parameters").get("tensors"), expected))
                    .as(shards + " shards")
                    .isLessThan(1e-4);
        }
    }

    /**
     * A gpt split into model shards for training: PIPELINE stages of blocks (embeddings with the first, head with
     * the last), TENSOR Megatron parts (attention by heads, MLP by hidden units), and HYBRID data shards of either,
     * in micro-batches, each ends where the single process does.
     */
    @ParameterizedTest(name = "{0} {1} over {2} data shards, {3} micro-batches")
    @CsvSource({"PIPELINE, 2, 1, 2", "TENSOR, 2, 1, 1", "TENSOR, 2, 2, 2", "PIPELINE, 2, 2, 1"})
    void modelParallelTrainingEqualsASingleProcessLoop(
            String modelStrategy, int modelShards, int dataShards, int microBatches) {
        String text = genesis().substring(0, 12_000);
        String dataset = created(api.postText("/api/v1/datasets?name=genesis-split&format=text", text));
        var architecture = new GptArchitecture(2, 2, 16, 16);
        var parallelism = new LinkedHashMap<String, Object>();
        parallelism.put("strategy", dataShards > 1 ? "HYBRID" : modelStrategy);
        parallelism.put("modelShards", modelShards);
        parallelism.put("microBatches", microBatches);
        if (dataShards > 1) {
            parallelism.put("dataShards", dataShards);
            parallelism.put("modelStrategy", modelStrategy);
        }
        var job = trainingJob(
                dataset,
                GenerationIT.gpt(2, 2, 16, 16),
                parallelism,
                Map.of(
                        "steps",
                        6,
                        "batchSize",
                        12,
                        "optimizer",
                        "adam",
                        "learningRate",
                        0.01,
                        "seed",
                        4,
                        "validationSplit",
                        0.1,
                        "checkpointEvery",
                        2));

        String jobId = created(api.postJson("/api/v1/jobs", job));
        var done = awaitStatus(api, jobId, "SUCCEEDED");

        assertThat(done.get("plan").get("model").get("strategy").asString()).isEqualTo(modelStrategy);
        // every model shard's pieces were checkpointed every 2 steps, and the versions they came from dropped
        var jdbc = platform.context().getBean(JdbcClient.class);
        assertThat(jdbc.sql("select distinct step from job_checkpoint_pieces where job_id = ? order by step")
                        .param(UUID.fromString(jobId))
                        .query(Integer.class)
                        .list())
                .containsExactly(0, 2, 4, 6);
        assertThat(jdbc.sql("select count(*) from job_parameter_pieces where job_id = ?")
                        .param(UUID.fromString(jobId))
                        .query(Long.class)
                        .single())
                .isZero();
        assertThat(done.get("metrics").get("validationLoss").isNull()).isFalse();
        var expected = reference(text.getBytes(StandardCharsets.UTF_8), architecture, 6, 12, 0.01f, 4);
        var exported = api.get("/api/v1/models/" + done.get("resultModelId").asString() + "/parameters")
                .json();
        double difference = maxDifference(exported.get("parameters").get("tensors"), expected);
        System.out.printf(
                "gpt %s %d over %d data shards, %d micro-batches: largest difference from the single process %.2e%n",
                modelStrategy, modelShards, dataShards, microBatches, difference);
        assertThat(difference).isLessThan(1e-4);
    }

    @Test
    void localSgdAveragesShardsAndTheLossFalls() {
        String text = genesis().substring(0, 40_000);
        String dataset = created(api.postText("/api/v1/datasets?name=genesis-40k&format=text", text));
        String jobId = created(api.postJson(
                "/api/v1/jobs",
                trainingJob(
                        dataset,
                        GenerationIT.gpt(1, 2, 32, 32),
                        2,
                        Map.of(
                                "steps",
                                40,
                                "batchSize",
                                16,
                                "optimizer",
                                "adam",
                                "learningRate",
                                0.01,
                                "seed",
                                9,
                                "syncEvery",
                                4,
                                "validationSplit",
                                0.1))));
        awaitStatus(api, jobId, "SUCCEEDED");
        var points = api.get("/api/v1/jobs/" + jobId + "/metrics").json().get("points");
        double first = points.get(0).get("loss").asDouble();
        double last = points.get(points.size() - 1).get("loss").asDouble();
        assertThat(first).isGreaterThan(4.5); // about ln 256 = 5.55 at the start
        assertThat(last).isLessThan(first - 1.0);
    }

    /** The same steps in one process: DJL gradients over the whole global batch, the same Adam. */
    private Map<String, float[]> reference(
            byte[] text, GptArchitecture architecture, int steps, int batch, float lr, long seed) {
        var engine = platform.context().getBean(ComputeEngine.class);
        var initial = ParameterInit.initial(architecture, seed);
        float[][] params = ModelParameters.flat(initial);
        var adam = ParameterOptimizer.create(new TrainingSpec(
                null,
                steps,
                batch,
                OptimizerKind.ADAM,
                (double) lr,
                null,
                null,
                null,
                null,
                null,
                seed,
                0.1,
                null,
                null,
                null));
        var schedule = new TextSchedule(text.length, 0.1, seed, batch, architecture.context());
        for (int step = 0; step < steps; step++) {
            long[] starts = schedule.batch(step);
            var windows = new int[starts.length][schedule.window()];
            for (int w = 0; w < starts.length; w++) {
                for (int i = 0; i < schedule.window(); i++) {
                    windows[w][i] = text[(int) starts[w] + i] & 0xFF;
                }
            }
            try (var network = new GptNetwork(
                    engine.engine(), engine.device(), architecture, ModelParameters.unflat(initial, params))) {
                adam.step(params, network.gradient(windows).grads());
            }
        }
        var named = new LinkedHashMap<String, float[]>();
        ModelParameters.unflat(initial, params).forEach((name, tensor) -> named.put(name, tensor.data()));
        return named;
    }

    private static double maxDifference(JsonNode tensors, Map<String, float[]> expected) {
        double max = 0;
        for (var entry : expected.entrySet()) {
            var values = tensors.get(entry.getKey());
            assertThat(values.size()).isEqualTo(entry.getValue().length);
            for (int i = 0; i < entry.getValue().length; i++) {
                max = Math.max(max, Math.abs(values.get(i).asDouble() - entry.getValue()[i]));
            }
        }
        return max;
    }
}
