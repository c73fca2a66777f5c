package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.created;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What a gpt refuses, each with a 400 that names the field; nothing of a refused job is kept. */
class GptBadInputIT {
    private static final ShardflowStandalone platform = TestPlatform.shared();
    private static final Api api = TestPlatform.api(platform);
    private static String gptId;
    private static String textId;
    private static String csvId;

    @BeforeAll
    static void fixtures() {
        gptId = created(api.postJson(
                "/api/v1/models",
                Map.of(
                        "name",
                        "gpt-bad-input",
                        "architecture",
                        GenerationIT.gpt(1, 2, 8, 16),
                        "init",
                        Map.of("seed", 1))));
        textId = created(
                api.postText("/api/v1/datasets?name=bad-text&format=text", "a short line\n" + "q".repeat(20) + "\n"));
        csvId = created(api.postCsv("/api/v1/datasets?name=bad-csv", "a,b\n1,2\n"));
    }

    private static Map<String, Object> generation(Object prompts, Map<String, Object> generation) {
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "INFERENCE");
        job.put("model", Map.of("id", gptId));
        job.put("input", Map.of("prompts", prompts));
        if (generation != null) {
            job.put("generation", generation);
        }
        return job;
    }

    private static void refused(Map<String, Object> job, String field, String reasonPart) {
        var response = api.postJson("/api/v1/jobs", job);
        assertThat(response.status()).as(response.text()).isEqualTo(400);
        assertThat(response.json().get("field").asString()).isEqualTo(field);
        assertThat(response.json().get("detail").asString()).contains(reasonPart);
    }

    @Test
    void promptsAndGenerationSettingsAreChecked() {
        refused(generation(List.of(), Map.of("maxTokens", 5)), "input.prompts", "may not be empty");
        refused(
                generation(List.of("ok", "z".repeat(16)), Map.of("maxTokens", 5)),
                "input.prompts[1]",
                "is 16 bytes; model 'gpt-bad-input' has a context of 16 bytes");
        refused(generation(List.of("ok"), Map.of("maxTokens", 0)), "generation.maxTokens", "must be >= 1");
        refused(generation(List.of("ok"), Map.of("maxTokens", 5000)), "generation.maxTokens", "at most 1024");
        refused(
                generation(List.of("ok"), Map.of("maxTokens", 5, "temperature", -1)),
                "generation.temperature",
                "[0, 100]");
        refused(generation(List.of("ok"), Map.of("maxTokens", 5, "topK", 0)), "generation.topK", "1..256");
        refused(generation(List.of("ok"), null), "generation", "is required to run a gpt model");
    }

    @Test
    void aPromptDatasetLineLongerThanTheContextIsNamed() {
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "INFERENCE");
        job.put("model", Map.of("id", gptId));
        job.put("dataset", Map.of("id", textId));
        job.put("generation", Map.of("maxTokens", 3));
        refused(job, "dataset.prompts[1]", "is 20 bytes");
    }

    @Test
    void aGptReadsTextAndSplitsByDataOrPipelineOnly() {
        var withFeatures = new LinkedHashMap<String, Object>();
        withFeatures.put("type", "INFERENCE");
        withFeatures.put("model", Map.of("id", gptId));
        withFeatures.put("dataset", Map.of("id", textId, "features", List.of("a")));
        withFeatures.put("generation", Map.of("maxTokens", 3));
        refused(withFeatures, "dataset.features", "takes no feature columns");

        var tensor = generation(List.of("ok"), Map.of("maxTokens", 3));
        tensor.put("parallelism", Map.of("strategy", "TENSOR", "modelShards", 2));
        refused(tensor, "parallelism.strategy", "DATA or PIPELINE");

        var training = new LinkedHashMap<String, Object>();
        training.put("type", "TRAINING");
        training.put("model", Map.of("architecture", GenerationIT.gpt(1, 2, 8, 16)));
        training.put("dataset", Map.of("id", csvId));
        training.put("training", Map.of("steps", 2, "batchSize", 2, "learningRate", 0.1));
        refused(training, "dataset.id", "reads text datasets");

        training.put("dataset", Map.of("id", textId));
        training.put("parallelism", Map.of("strategy", "PIPELINE", "modelShards", 2));
        refused(training, "parallelism.modelShards", "makes 1 to 1 pipeline stages, not 2");
        training.put("parallelism", Map.of("strategy", "TENSOR", "modelShards", 3));
        refused(training, "parallelism.modelShards", "splits into at most 2 tensor shards, not 3");

        var badArchitecture = new LinkedHashMap<String, Object>(training);
        badArchitecture.put(
                "model",
                Map.of("architecture", Map.of("kind", "gpt", "layers", 1, "heads", 3, "dModel", 8, "context", 16)));
        badArchitecture.remove("parallelism");
        refused(badArchitecture, "model.architecture.heads", "must divide dModel");
    }
}
