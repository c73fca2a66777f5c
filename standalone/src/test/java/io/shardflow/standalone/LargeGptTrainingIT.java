package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A gpt whose training does not fit one worker: the workers may hold at most 10 MiB, and a lane training the whole
 * model would hold about 15 MiB (its parameters, their gradients and, mostly, its activations for 16 windows of 32
 * bytes). AUTO therefore splits it; trained on the King James Genesis it learns real English, its validation loss
 * well below the text's byte-unigram entropy, and the trained model then generates.
 */
class LargeGptTrainingIT {
    private static final long CAP = 10L << 20;
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

    @Test
    void autoSplitsAGptLargerThanOneWorkerAndItLearnsGenesisWellBelowItsByteUnigramEntropy() {
        String text = GptTrainingIT.genesis();
        double entropy = GptTrainingIT.unigramEntropy(text.getBytes(StandardCharsets.UTF_8));
        String dataset = created(api.postText("/api/v1/datasets?name=genesis&format=text", text));
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "TRAINING");
        job.put("model", Map.of("architecture", GenerationIT.gpt(2, 4, 64, 32)));
        job.put("dataset", Map.of("id", dataset));
        job.put("parallelism", Map.of("strategy", "AUTO"));
        job.put(
                "training",
                Map.of(
                        "steps",
                        300,
                        "batchSize",
                        32,
                        "optimizer",
                        "adam",
                        "learningRate",
                        0.003,
                        "seed",
                        5,
                        "validationSplit",
                        0.1));

        var preview = api.postJson("/api/v1/jobs:plan", job);
        assertThat(preview.status()).as(preview.text()).isEqualTo(200);
        long started = System.nanoTime();
        String jobId = created(api.postJson("/api/v1/jobs", job));
        var done = awaitStatus(api, jobId, "SUCCEEDED", Duration.ofMinutes(4));
        double seconds = (System.nanoTime() - started) / 1e9;

        var model = done.get("plan").get("model");
        System.out.printf(
                "large gpt: AUTO chose %s %d in %d micro-batches: %s%n",
                model.get("strategy").asString(),
                model.get("modelShards").asInt(),
                model.get("microBatches").asInt(),
                model.get("reason").asString());
        assertThat(model.get("strategy").asString()).isIn("PIPELINE", "TENSOR");
        assertThat(model.get("largestPartitionBytes").asLong()).isLessThanOrEqualTo(CAP);
        assertThat(model.get("reason").asString()).contains("more than the " + CAP + "-byte cap");
        assertThat(preview.json().get("model").get("strategy").asString())
                .isEqualTo(model.get("strategy").asString());

        double validation = done.get("metrics").get("validationLoss").asDouble();
        System.out.printf(
                "large gpt: validation loss %.3f nats/byte vs unigram entropy %.3f, 300 steps in %.1f s%n",
                validation, entropy, seconds);
        assertThat(entropy).isBetween(2.9, 3.1);
        assertThat(validation).as("nats per byte").isLessThan(entropy - 0.5);

        String modelId = done.get("resultModelId").asString();
        var generated = api.postJson(
                "/api/v1/models/" + modelId + "/generate",
                Map.of("prompt", "And God said, ", "maxTokens", 16, "temperature", 0));
        assertThat(generated.status()).as(generated.text()).isEqualTo(200);
        String completion = generated.json().get("outputs").get(0).asString();
        System.out.println("large gpt sample: And God said, " + completion);
        // the context (32 bytes) holds the prompt and 18 more
        assertThat(completion).hasSize(16);
    }

    @Test
    void aTrainingThatFitsNoSplitIsRefusedNamingTheSizes() {
        String dataset =
                created(api.postText("/api/v1/datasets?name=tiny&format=text", "In the beginning ".repeat(200)));
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "TRAINING");
        job.put("model", Map.of("architecture", GenerationIT.gpt(1, 1, 1024, 512)));
        job.put("dataset", Map.of("id", dataset));
        job.put("training", Map.of("steps", 2, "batchSize", 4, "optimizer", "adam", "learningRate", 0.003));

        var refused = api.postJson("/api/v1/jobs", job);

        assertThat(refused.status()).as(refused.text()).isEqualTo(400);
        assertThat(refused.json().get("field").asString()).isEqualTo("parallelism");
        assertThat(refused.json().get("detail").asString())
                .contains("no split of the model fits", CAP + " bytes", "optimiser state", "activations");
    }
}
