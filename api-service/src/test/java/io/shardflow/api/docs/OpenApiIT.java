package io.shardflow.api.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import io.shardflow.api.ApiITSupport;
import java.util.ArrayList;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code /v3/api-docs} describes the API as a client generator needs it. */
class OpenApiIT extends ApiITSupport {

    private JsonNode docs() throws Exception {
        return JSON.readTree(
                mvc.perform(get("/v3/api-docs")).andReturn().getResponse().getContentAsString());
    }

    @Test
    void itNamesTheApiItsVersionAndHowToAuthenticate() throws Exception {
        var docs = docs();

        assertThat(docs.at("/info/title").asString()).isEqualTo("Shardflow API");
        assertThat(docs.at("/info/version").asString()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(docs.at("/info/description").asString()).contains("Authorization: Bearer");
        assertThat(docs.at("/components/securitySchemes/bearer/type").asString())
                .isEqualTo("http");
        assertThat(docs.at("/components/securitySchemes/bearer/scheme").asString())
                .isEqualTo("bearer");
        assertThat(docs.at("/security/0/bearer").isArray()).isTrue();
        var tags = new ArrayList<String>();
        docs.get("tags").forEach(t -> tags.add(t.get("name").asString()));
        assertThat(tags).contains("jobs", "inference", "datasets", "models", "tenants", "access");
    }

    @Test
    void submittingAJobIsA202WithItsErrorsAsProblemsAndAnIdempotencyKey() throws Exception {
        var submit = docs().at("/paths/~1api~1v1~1jobs/post");

        assertThat(submit.get("tags").get(0).asString()).isEqualTo("jobs");
        assertThat(submit.at("/responses/202/description").asString()).contains("Accepted");
        for (var code : new String[] {"400", "401", "403", "413", "429", "503"}) {
            assertThat(submit.at("/responses/" + code + "/content/application~1problem+json/schema/$ref")
                            .asString())
                    .as(code)
                    .isEqualTo("#/components/schemas/Problem");
        }
        var key = new ArrayList<JsonNode>();
        submit.get("parameters").forEach(p -> {
            if (p.get("name").asString().equals("Idempotency-Key")) {
                key.add(p);
            }
        });
        assertThat(key).singleElement().satisfies(p -> {
            assertThat(p.get("in").asString()).isEqualTo("header");
            assertThat(p.get("description").asString()).contains("retried POST");
        });
        assertThat(docs().at("/components/schemas/Problem/properties/field/type")
                        .asString())
                .isEqualTo("string");
    }
}
