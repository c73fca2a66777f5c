package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.shardflow.core.generation.GenerationSpec;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /predict} and {@code /generate} answer in the response, through the same queue, scheduler and workers
 * as any job; a call that cannot finish in time gets a 504 and its job is cancelled.
 */
class SyncInferenceIT {
    private static final ShardflowStandalone platform = TestPlatform.shared();
    private static final Api api = TestPlatform.api(platform);
    private static final Fixtures.Dense mlp = Fixtures.randomDense(5, 4, 8, 3);
    private static String mlpId;
    private static String gptId;

    @BeforeAll
    static void models() {
        mlpId = created(api.postJson("/api/v1/models", mlp.mlpRequest("sync-mlp")));
        gptId = created(api.postJson(
                "/api/v1/models",
                Map.of("name", "sync-gpt", "architecture", GenerationIT.gpt(2, 2, 16, 32), "init", Map.of("seed", 3))));
    }

    @Test
    void predictAnswersWithTheModelsOutputs() {
        var random = new Random(1);
        var rows = new float[3][4];
        for (float[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) random.nextGaussian();
            }
        }
        var response = api.postJson("/api/v1/models/" + mlpId + "/predict", Map.of("rows", rows));

        assertThat(response.status()).as(response.text()).isEqualTo(200);
        var body = response.json();
        assertThat(body.get("rows").asInt()).isEqualTo(3);
        assertThat(body.get("columns").asInt()).isEqualTo(3);
        for (int r = 0; r < rows.length; r++) {
            double[] expected = mlp.forward(rows[r]);
            for (int c = 0; c < 3; c++) {
                assertThat(body.get("outputs").get(r).get(c).asDouble()).isCloseTo(expected[c], within(1e-4));
            }
        }
        var job = api.get("/api/v1/jobs/" + body.get("jobId").asString()).json();
        assertThat(job.get("status").asString()).isEqualTo("SUCCEEDED");
    }

    @Test
    void generateAnswersWithTheCompletions() {
        var response = api.postJson(
                "/api/v1/models/" + gptId + "/generate",
                Map.of("prompts", List.of("Hello ", "Bye"), "maxTokens", 12, "temperature", 0));

        assertThat(response.status()).as(response.text()).isEqualTo(200);
        var outputs = response.json().get("outputs");
        var expected = ReferenceGeneration.generate(
                platform, gptId, List.of("Hello ", "Bye"), new GenerationSpec(12, 0.0, null, null, null));
        assertThat(List.of(outputs.get(0).asString(), outputs.get(1).asString()))
                .isEqualTo(expected);
    }

    @Test
    void aCallThatCannotFinishInTimeGets504AndItsJobIsCancelled() {
        var response = api.postJson(
                "/api/v1/models/" + gptId + "/generate", Map.of("prompt", "slow", "maxTokens", 20, "timeoutMs", 1));

        assertThat(response.status()).as(response.text()).isEqualTo(504);
        assertThat(response.contentType()).contains("application/problem+json");
        assertThat(response.json().get("detail").asString()).contains("did not finish within 1 ms");
        String jobId = response.json().get("jobId").asString();
        awaitStatus(api, jobId, "CANCELLED");
    }

    @Test
    void badCallsAreRefusedWithTheFieldNamed() {
        assertThat(field(api.postJson(
                        "/api/v1/models/" + gptId + "/generate", Map.of("prompts", List.of(), "maxTokens", 5))))
                .isEqualTo("prompts");
        assertThat(field(api.postJson("/api/v1/models/" + gptId + "/generate", Map.of("prompt", "x", "maxTokens", 0))))
                .isEqualTo("maxTokens");
        assertThat(field(api.postJson(
                        "/api/v1/models/" + gptId + "/generate", Map.of("prompt", "y".repeat(40), "maxTokens", 5))))
                .isEqualTo("prompts[0]");
        assertThat(field(api.postJson("/api/v1/models/" + mlpId + "/generate", Map.of("prompt", "x", "maxTokens", 5))))
                .isEqualTo("generation");
        assertThat(field(api.postJson(
                        "/api/v1/models/" + gptId + "/predict", Map.of("rows", List.of(new float[] {1f})))))
                .isEqualTo("rows");
        assertThat(field(api.postJson(
                        "/api/v1/models/" + mlpId + "/predict", Map.of("rows", List.of(new float[] {1f, 2f})))))
                .isEqualTo("rows[0]");
        assertThat(field(api.postJson(
                        "/api/v1/models/" + java.util.UUID.randomUUID() + "/predict",
                        Map.of("rows", List.of(new float[] {1f})))))
                .isEqualTo("model.id");
    }

    private static String field(Api.Response response) {
        assertThat(response.status()).as(response.text()).isEqualTo(400);
        return response.json().get("field").asString();
    }
}
