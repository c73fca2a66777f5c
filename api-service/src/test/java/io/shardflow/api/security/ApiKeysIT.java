package io.shardflow.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.shardflow.api.ApiITSupport;
import java.util.UUID;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

/** API keys end to end: made by an ADMIN, shown once, stored as a hash, refused once revoked; acting on behalf. */
class ApiKeysIT extends ApiITSupport {

    @Test
    void aKeyIsShownOnceStoredAsAHashAndRefusedOnceRevoked() throws Exception {
        var admin = "Bearer " + keyFor("default", Role.ADMIN);
        var created = json(mvc.perform(post("/api/v1/api-keys")
                        .header("Authorization", admin)
                        .contentType(MediaType.APPLICATION_JSON)
                        .content("{\"name\": \"nightly\", \"tenant\": \"" + tenant + "\", \"roles\": [\"submitter\"]}"))
                .andExpect(status().isCreated())
                .andExpect(jsonPath("$.tenant").value(tenant))
                .andExpect(jsonPath("$.roles[0]").value("SUBMITTER"))
                .andReturn());
        var secret = created.get("key").asString();
        var id = created.get("id").asString();
        assertThat(secret).startsWith("sfk_").hasSizeGreaterThanOrEqualTo(4 + 43);
        assertThat(db.jdbc
                        .sql("select encode(key_hash, 'hex') from api_keys where id = ?")
                        .param(UUID.fromString(id))
                        .query(String.class)
                        .single())
                .as("only the hash is stored")
                .doesNotContain(secret)
                .hasSize(64);

        mvc.perform(get("/api/v1/jobs").header("Authorization", "Bearer " + secret))
                .andExpect(status().isOk());
        mvc.perform(get("/api/v1/api-keys").header("Authorization", admin))
                .andExpect(content().string(Matchers.not(Matchers.containsString(secret))))
                .andExpect(jsonPath("$[?(@.id == '" + id + "')].lastUsedAt").isNotEmpty());

        mvc.perform(delete("/api/v1/api-keys/" + id).header("Authorization", admin))
                .andExpect(status().isNoContent());
        Thread.sleep(1_100); // the process trusts what it read of a key for a second (shardflow.security.key-cache)

        for (var refused : new String[] {"Bearer " + secret, "Bearer sfk_wrong", null}) {
            var request = get("/api/v1/jobs");
            if (refused != null) {
                request.header("Authorization", refused);
            }
            mvc.perform(request)
                    .andExpect(status().isUnauthorized())
                    .andExpect(header().string("WWW-Authenticate", Matchers.startsWith("Bearer")))
                    .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                    .andExpect(jsonPath("$.status").value(401));
        }
        mvc.perform(delete("/api/v1/api-keys/" + id).header("Authorization", admin))
                .andExpect(status().isNotFound());
        mvc.perform(post("/api/v1/api-keys")
                        .header("Authorization", admin)
                        .contentType(MediaType.APPLICATION_JSON)
                        .content("{\"name\": \"x\", \"tenant\": \"t\", \"roles\": [\"ROOT\"]}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.field").value("roles[0]"));
    }

    @Test
    void onlyOperatorsAndAdminsActForAnotherTenantAndItIsOnRecord() throws Exception {
        var other = "other-" + UUID.randomUUID();
        mvc.perform(asTenant(get("/api/v1/jobs")).header(Callers.ON_BEHALF_HEADER, other))
                .andExpect(status().isForbidden())
                .andExpect(jsonPath("$.detail").value(Matchers.containsString("OPERATOR and ADMIN")));

        var admin = keyFor("default", Role.ADMIN);
        mvc.perform(post("/api/v1/datasets")
                        .param("name", "for them")
                        .header("Authorization", "Bearer " + admin)
                        .header(Callers.ON_BEHALF_HEADER, other)
                        .contentType("text/csv")
                        .content("a\n1\n"))
                .andExpect(status().isCreated());

        assertThat(db.jdbc
                        .sql("select count(*) from datasets where tenant = ?")
                        .param(other)
                        .query(Long.class)
                        .single())
                .isEqualTo(1);
        mvc.perform(get("/api/v1/audit").header("Authorization", "Bearer " + admin))
                .andExpect(jsonPath("$[?(@.action == 'on-behalf' && @.tenant == '" + other + "')]")
                        .isNotEmpty());
    }
}
