package io.shardflow.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.shardflow.api.ApiITSupport;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** With {@code shardflow.security.enabled=false} every call acts as an ADMIN of {@code default}; browsers still need the token. */
@TestPropertySource(properties = "shardflow.security.enabled=false")
class SecurityOffIT extends ApiITSupport {

    @Test
    void everyCallActsAsTheLocalAdmin() throws Exception {
        var id = json(mvc.perform(post("/api/v1/datasets")
                                .param("name", "laptop")
                                .contentType("text/csv")
                                .content("a\n1\n"))
                        .andExpect(status().isCreated())
                        .andReturn())
                .get("id")
                .asString();
        assertThat(db.jdbc
                        .sql("select tenant from datasets where id = ?::uuid")
                        .param(id)
                        .query(String.class)
                        .single())
                .isEqualTo("default");
        mvc.perform(get("/api/v1/api-keys")).andExpect(status().isOk());
        mvc.perform(get("/")).andExpect(status().isOk());

        // a browser's post (it says where it comes from) without the token is refused even so
        mvc.perform(post("/api/v1/jobs/00000000-0000-0000-0000-000000000000/cancel")
                        .header("Origin", "http://evil.example")
                        .contentType("application/x-www-form-urlencoded"))
                .andExpect(status().isForbidden());
        mvc.perform(get("/api/v1/jobs")).andExpect(jsonPath("$.items").isArray());
    }
}
