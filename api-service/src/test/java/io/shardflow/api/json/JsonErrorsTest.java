package io.shardflow.api.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.shardflow.api.models.ModelRequest;
import io.shardflow.core.jobs.JobSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** What a client reads about a body that could not be read: the field's path and plain words, from real Jackson. */
class JsonErrorsTest {
    private static final JsonLimits LIMITS = new JsonLimits(16, 1_000, 32, DataSize.ofKilobytes(4));
    private static final JsonMapper REQUESTS =
            JsonConfiguration.requests(LIMITS).build();
    private static final JsonErrors ERRORS = new JsonErrors(LIMITS);
    /** Words that mean a Java class, a Jackson setting or an exception reached the client. */
    static final List<String> INTERNALS =
            List.of("io.shardflow", "tools.jackson", "com.fasterxml", "java.", "Exception", "JsonReadFeature", "`");

    private final List<JsonErrors.Reason> seen = new ArrayList<>();

    private JsonErrors.Reason reading(String json, Class<?> type) {
        try {
            REQUESTS.readValue(json, type);
        } catch (JacksonException e) {
            var reason = ERRORS.describe(e);
            seen.add(reason);
            for (String internal : INTERNALS) {
                assertThat(reason.field() + ": " + reason.message()).doesNotContain(internal);
            }
            return reason;
        }
        return fail("read without complaint: " + json);
    }

    private JsonErrors.Reason job(String json) {
        return reading(json, JobSpec.class);
    }

    @Test
    void anUnknownFieldIsRefusedWithTheFieldItMostLikelyMeant() {
        var reason = job("{\"type\":\"INFERENCE\",\"parallelism\":{\"datashards\":4}}");
        assertThat(reason.field()).isEqualTo("parallelism.datashards");
        assertThat(reason.message()).isEqualTo("unknown field; did you mean dataShards?");

        // the record is made first, then its unknown fields are refused: a body that is right but for them
        var typo = job("{\"type\":\"INFERENCE\",\"model\":{\"id\":\"" + UUID.randomUUID()
                + "\"},\"input\":{\"rows\":[[1]]},\"prority\":4}");
        assertThat(typo).isEqualTo(new JsonErrors.Reason("prority", "unknown field; did you mean priority?"));
    }

    @Test
    void anUnknownFieldLikeNoneListsTheFieldsThereAre() {
        var reason = job("{\"type\":\"INFERENCE\",\"parallelism\":{\"zzzzqq\":4}}");
        assertThat(reason.field()).isEqualTo("parallelism.zzzzqq");
        assertThat(reason.message())
                .doesNotContain("did you mean")
                .isEqualTo("unknown field; the fields here are strategy, dataShards, modelShards, modelStrategy, "
                        + "microBatches");
    }

    @Test
    void anEnumValueNamesTheValuesThereAre() {
        var type = job("{\"type\":\"SORTING\"}");
        assertThat(type.field()).isEqualTo("type");
        assertThat(type.message()).isEqualTo("must be one of INFERENCE, TRAINING, was 'SORTING'");

        var activation = job("{\"type\":\"TRAINING\",\"model\":{\"architecture\":"
                + "{\"kind\":\"mlp\",\"layers\":[1,2],\"activation\":\"swish\"}}}");
        assertThat(activation.field()).isEqualTo("model.architecture.activation");
        assertThat(activation.message()).isEqualTo("must be one of relu, tanh, sigmoid, identity, was 'swish'");
    }

    @Test
    void anUnknownOrMissingKindNamesTheKindsThereAre() {
        var unknown = job("{\"type\":\"TRAINING\",\"model\":{\"architecture\":{\"kind\":\"cnn\"}}}");
        assertThat(unknown.field()).isEqualTo("model.architecture.kind");
        assertThat(unknown.message()).isEqualTo("must be one of linear, mlp, gpt, was 'cnn'");

        var missing = reading("{\"name\":\"m\",\"architecture\":{\"layers\":[1,2]}}", ModelRequest.class);
        assertThat(missing.field()).isEqualTo("architecture.kind");
        assertThat(missing.message()).isEqualTo("is required: one of linear, mlp, gpt");
    }

    @Test
    void aMissingNumberIsRequiredNotNull() {
        var reason = job("{\"type\":\"TRAINING\",\"model\":{\"architecture\":"
                + "{\"kind\":\"gpt\",\"heads\":2,\"dModel\":8,\"context\":16}}}");
        assertThat(reason).isEqualTo(new JsonErrors.Reason("model.architecture.layers", "is required"));
    }

    @Test
    void nanAndInfinityAreNotNumbers() {
        assertThat(job("{\"type\":\"INFERENCE\",\"priority\":NaN}"))
                .isEqualTo(
                        new JsonErrors.Reason("priority", "must be a number; NaN and Infinity are not JSON numbers"));
        assertThat(job("{\"type\":\"INFERENCE\",\"input\":{\"rows\":[[1,Infinity]]}}")
                        .field())
                .isEqualTo("input.rows[0][1]");
    }

    @Test
    void aValueOfTheWrongKindSaysWhatKindItMustBe() {
        assertThat(job("{\"type\":\"INFERENCE\",\"model\":\"abc\"}"))
                .isEqualTo(new JsonErrors.Reason("model", "must be an object"));
        assertThat(job("{\"type\":\"INFERENCE\",\"input\":{\"prompts\":\"abc\"}}"))
                .isEqualTo(new JsonErrors.Reason("input.prompts", "must be a list"));
        assertThat(job("{\"type\":\"INFERENCE\",\"model\":{\"id\":\"5\"}}"))
                .isEqualTo(new JsonErrors.Reason("model.id", "must be a UUID, was '5'"));
        assertThat(job("{\"type\":\"INFERENCE\",\"input\":{\"rows\":[[1,\"a\"]]}}"))
                .isEqualTo(new JsonErrors.Reason("input.rows[0][1]", "must be a number, was 'a'"));
        assertThat(job("{\"type\":\"TRAINING\",\"training\":{\"standardize\":\"yes\"}}"))
                .isEqualTo(new JsonErrors.Reason("training.standardize", "must be true or false, was 'yes'"));
        assertThat(job("{\"type\":[1]}"))
                .isEqualTo(new JsonErrors.Reason("type", "must be one of INFERENCE, TRAINING"));
        assertThat(job("{\"type\":\"INFERENCE\",\"priority\":99999999999}").message())
                .isEqualTo("must be a whole number in -2147483648..2147483647");
    }

    @Test
    void aRuleOfTheRequestKeepsItsWordsUnderItsPath() {
        assertThat(job("{\"type\":\"INFERENCE\"}")).isEqualTo(new JsonErrors.Reason("model", "is required"));
        assertThat(job("{\"type\":\"TRAINING\",\"model\":{\"architecture\":{\"kind\":\"mlp\",\"layers\":[2,0]}}}"))
                .isEqualTo(new JsonErrors.Reason("model.architecture.layers[1]", "must be in 1..1048576, was 0"));
    }

    @Test
    void malformedJsonSaysWhere() {
        assertThat(job("{\"type\":\"INFERENCE\",}"))
                .isEqualTo(new JsonErrors.Reason("body", "is not valid JSON at line 1, column 21"));
        assertThat(job("{\"type\":\"INFERENCE\","))
                .isEqualTo(new JsonErrors.Reason(
                        "body", "is not valid JSON: it ends before every object and array is closed"));
        assertThat(job("not json").field()).isEqualTo("body");
        assertThat(job("")).isEqualTo(new JsonErrors.Reason("body", "is required: a JSON document"));
        assertThat(job("{\"type\":\"INFERENCE\",\"model\":{\"id\":\"" + UUID.randomUUID() + "\"},"
                        + "\"input\":{\"rows\":[[1]]}} {}"))
                .isEqualTo(new JsonErrors.Reason("body", "goes on after its JSON value has ended"));
    }

    @Test
    void aBodyPastALimitNamesTheLimit() {
        var deep = "[".repeat(17) + "]".repeat(17);
        assertThat(reading(deep, JsonNode.class))
                .isEqualTo(new JsonErrors.Reason(
                        "body",
                        "nests objects and arrays deeper than 16 levels (shardflow.api.json.max-nesting-depth)"));

        var name = job("{\"type\":\"TRAINING\",\"model\":{\"name\":\"" + "x".repeat(1_001) + "\"}}");
        assertThat(name.field()).isEqualTo("model.name");
        assertThat(name.message())
                .isEqualTo("is a string longer than 1000 characters (shardflow.api.json.max-string-length)");

        var number = job("{\"type\":\"INFERENCE\",\"priority\":" + "1".repeat(33) + "}");
        assertThat(number.message())
                .isEqualTo("is a number longer than 32 characters (shardflow.api.json.max-number-length)");

        var rows = "[1],".repeat(1_100);
        var document = job("{\"type\":\"INFERENCE\",\"input\":{\"rows\":[" + rows + "[1]]}}");
        assertThat(document)
                .isEqualTo(new JsonErrors.Reason(
                        "body", "is longer than 4096 bytes (shardflow.api.json.max-document-length)"));
    }
}
