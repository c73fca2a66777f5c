package io.shardflow.api.datasets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.shardflow.api.ApiITSupport;
import java.util.UUID;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

/** Dataset upload over MockMvc: the table read from the body is the one stored. */
class DatasetsIT extends ApiITSupport {

    private long datasetsOfTenant() {
        return db.jdbc
                .sql("select count(*) from datasets where tenant = ?")
                .param(tenant)
                .query(Long.class)
                .single();
    }

    @Test
    void aCsvUploadIsCreatedWithItsRowsAndColumns() throws Exception {
        var result = mvc.perform(asTenant(post("/api/v1/datasets").param("name", "points"))
                        .contentType("text/csv")
                        .content("a,b,c\n1,2,3\n4,5,6\n7,8,9\n10,11,12\n"))
                .andExpect(status().isCreated())
                .andExpect(jsonPath("$.name").value("points"))
                .andExpect(jsonPath("$.rows").value(4))
                .andExpect(jsonPath("$.columns").value(Matchers.contains("a", "b", "c")))
                .andExpect(jsonPath("$.bytes").doesNotExist())
                .andReturn();
        String id = json(result).get("id").asString();

        assertThat(result.getResponse().getHeader("Location")).isEqualTo("/api/v1/datasets/" + id);
        var stored = db.jdbc
                .sql("select tenant, row_count from datasets where id = ?")
                .param(UUID.fromString(id))
                .query((rs, n) -> rs.getString(1) + "/" + rs.getLong(2))
                .single();
        assertThat(stored).isEqualTo(tenant + "/4");
        mvc.perform(asTenant(get("/api/v1/datasets/" + id)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.rows").value(4))
                .andExpect(jsonPath("$.columns").value(Matchers.contains("a", "b", "c")));
        mvc.perform(asOtherTenant(get("/api/v1/datasets/" + id)))
                .andExpect(status().isNotFound())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
    }

    @Test
    void aValueThatIsNoNumberRejectsTheWholeUpload() throws Exception {
        mvc.perform(asTenant(post("/api/v1/datasets").param("name", "bad"))
                        .contentType("text/csv")
                        .content("a,b\n1,2\n3,x\n"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.field").value("body"))
                .andExpect(jsonPath("$.detail").value(Matchers.containsString("column 'b'")));

        assertThat(datasetsOfTenant()).isZero();
    }
}
