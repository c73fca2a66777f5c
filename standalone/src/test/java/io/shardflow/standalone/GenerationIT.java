package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.core.generation.GenerationSpec;
import io.shardflow.worker.generation.GenerationEngine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Generation jobs on a gpt: completions in prompt order, equal to one-at-a-time generation without a cache,
 * whether the prompts ran on several shards, batched with other jobs' sequences, or through pipeline stages.
 */
class GenerationIT {
    private static final ShardflowStandalone platform = TestPlatform.shared();
    private static final Api api = TestPlatform.api(platform);
    private static final List<String> PROMPTS =
            List.of("The ", "A dream ", "x", "And God said, ", "Once upon a time, in a land");
    private static String modelId;

    @BeforeAll
    static void model() {
        // random weights at a scale that makes logits vary, so greedy text depends on every part of the network
        modelId = created(api.postJson(
                "/api/v1/models",
                Map.of("name", "gpt-random", "architecture", gpt(3, 4, 32, 48), "init", Map.of("seed", 42))));
    }

    static Map<String, Object> gpt(int layers, int heads, int dModel, int context) {
        return Map.of("kind", "gpt", "layers", layers, "heads", heads, "dModel", dModel, "context", context);
    }

    static Map<String, Object> generationJob(
            String modelId, List<String> prompts, Map<String, Object> generation, Map<String, Object> parallelism) {
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "INFERENCE");
        job.put("model", Map.of("id", modelId));
        job.put("input", Map.of("prompts", prompts));
        job.put("generation", generation);
        job.put("parallelism", parallelism);
        return job;
    }

    private static List<String> outputs(JsonNode result) {
        var outputs = new ArrayList<String>();
        result.get("outputs").forEach(o -> outputs.add(o.asString()));
        return outputs;
    }

    private static List<String> run(Map<String, Object> job) {
        var response = api.postJson("/api/v1/jobs", job);
        String jobId = created(response);
        awaitStatus(api, jobId, "SUCCEEDED");
        var result = api.get("/api/v1/jobs/" + jobId + "/result").json();
        var outputs = outputs(result);
        assertThat(result.get("rows").asInt())
                .isEqualTo(outputs.size())
                .isEqualTo(((List<?>) ((Map<?, ?>) job.get("input")).get("prompts")).size());
        return outputs;
    }

    @Test
    void greedyCompletionsOnTwoShardsEqualOneAtATimeWithoutACache() {
        var outputs = run(generationJob(
                modelId,
                PROMPTS,
                Map.of("maxTokens", 20, "temperature", 0),
                Map.of("strategy", "DATA", "dataShards", 2)));

        var expected =
                ReferenceGeneration.generate(platform, modelId, PROMPTS, new GenerationSpec(20, 0.0, null, null, null));
        assertThat(outputs).isEqualTo(expected);
    }

    @Test
    void theContextEndsACompletionEarly() {
        var prompt = "p".repeat(40);
        var outputs = run(generationJob(
                modelId, List.of(prompt), Map.of("maxTokens", 30, "temperature", 0), Map.of("strategy", "DATA")));
        var expected = ReferenceGeneration.generate(
                platform, modelId, List.of(prompt), new GenerationSpec(30, 0.0, null, null, null));
        assertThat(outputs).isEqualTo(expected);
        assertThat(expected.getFirst().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1).length)
                .isLessThanOrEqualTo(8);
    }

    @Test
    void theSameSeedGivesTheSameTextAndStopStringsCutIt() {
        var generation = Map.<String, Object>of("maxTokens", 24, "temperature", 0.9, "topK", 40, "seed", 7);
        var first = run(generationJob(modelId, PROMPTS, generation, Map.of("strategy", "DATA", "dataShards", 3)));
        var again = run(generationJob(modelId, PROMPTS, generation, Map.of("strategy", "DATA", "dataShards", 1)));
        var otherSeed = run(generationJob(
                modelId,
                PROMPTS,
                Map.of("maxTokens", 24, "temperature", 0.9, "topK", 40, "seed", 8),
                Map.of("strategy", "DATA", "dataShards", 1)));

        assertThat(again).isEqualTo(first);
        assertThat(first)
                .isEqualTo(ReferenceGeneration.generate(
                        platform, modelId, PROMPTS, new GenerationSpec(24, 0.9, 40, 7L, null)));
        assertThat(otherSeed).isNotEqualTo(first);

        // a stop string taken from the middle of a completion ends it just before that string
        String full = first.get(1);
        String stop = full.substring(5, 7);
        var stopped = run(generationJob(
                modelId,
                List.of(PROMPTS.get(1)),
                Map.of("maxTokens", 24, "temperature", 0.9, "topK", 40, "seed", 7, "stop", List.of(stop)),
                Map.of("strategy", "DATA")));
        // the prompt is index 0 of this job, so it samples other numbers than as index 1 above: compare with the
        // reference
        var expected = ReferenceGeneration.generate(
                platform, modelId, List.of(PROMPTS.get(1)), new GenerationSpec(24, 0.9, 40, 7L, List.of(stop)));
        assertThat(stopped).isEqualTo(expected);
    }

    @Test
    void concurrentJobsShareBatchesAndGetTheirOwnText() throws Exception {
        var engine = platform.context().getBean(GenerationEngine.class);
        var prompts = new ArrayList<String>();
        for (int i = 0; i < 16; i++) {
            prompts.add("prompt number " + i + " says ");
        }
        var pool = Executors.newFixedThreadPool(16);
        try {
            var futures = new ArrayList<Future<List<String>>>();
            for (var prompt : prompts) {
                futures.add(pool.submit(() -> run(generationJob(
                        modelId,
                        List.of(prompt),
                        Map.of("maxTokens", 24, "temperature", 0),
                        Map.of("strategy", "DATA")))));
            }
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(futures.get(i).get())
                        .as(prompts.get(i))
                        .isEqualTo(ReferenceGeneration.generate(
                                platform,
                                modelId,
                                List.of(prompts.get(i)),
                                new GenerationSpec(24, 0.0, null, null, null)));
            }
        } finally {
            pool.shutdown();
        }
        assertThat(engine.meanBatch()).as("sequences per batched step").isGreaterThan(1.0);
    }

    @Test
    void promptsComeFromATextDatasetOnePerLine() {
        var dataset = created(api.postText("/api/v1/datasets?name=prompts&format=text", "The \r\nA dream \n\nx\n"));
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "INFERENCE");
        job.put("model", Map.of("id", modelId));
        job.put("dataset", Map.of("id", dataset));
        job.put("generation", Map.of("maxTokens", 12, "temperature", 0));
        job.put("parallelism", Map.of("strategy", "DATA", "dataShards", 2));
        String jobId = created(api.postJson("/api/v1/jobs", job));
        awaitStatus(api, jobId, "SUCCEEDED");
        var outputs = outputs(api.get("/api/v1/jobs/" + jobId + "/result").json());
        assertThat(outputs)
                .isEqualTo(ReferenceGeneration.generate(
                        platform,
                        modelId,
                        List.of("The ", "A dream ", "x"),
                        new GenerationSpec(12, 0.0, null, null, null)));
        var csv = api.get("/api/v1/jobs/" + jobId + "/result", "text/csv");
        assertThat(csv.text()).startsWith("output\n\"");
    }

    @Test
    void pipelineStagesGiveTheSameGreedyTextAsData() {
        var generation = Map.<String, Object>of("maxTokens", 10, "temperature", 0);
        var data = run(generationJob(modelId, PROMPTS, generation, Map.of("strategy", "DATA")));
        var response = api.postJson(
                "/api/v1/jobs",
                generationJob(modelId, PROMPTS, generation, Map.of("strategy", "PIPELINE", "modelShards", 3)));
        String jobId = created(response);
        var job = awaitStatus(api, jobId, "SUCCEEDED");
        var outputs = outputs(api.get("/api/v1/jobs/" + jobId + "/result").json());

        assertThat(outputs).isEqualTo(data);
        assertThat(job.get("plan").get("strategy").asString()).isEqualTo("PIPELINE");
        var progress = job.get("progress");
        assertThat(progress.get("shardsDone").asInt())
                .isEqualTo(progress.get("shardsTotal").asInt())
                .isLessThanOrEqualTo(3 * 10);
    }
}
