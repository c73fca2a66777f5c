package io.shardflow.api.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.shardflow.api.ApiITSupport;
import org.junit.jupiter.api.Test;

/** A model leaves the registry with its parameters, but not from under a job that has not ended. */
class ModelDeletionIT extends ApiITSupport {

    @Test
    void aModelRunByAnUnfinishedJobIsRefusedUntilTheJobEnds() throws Exception {
        String model = linearModel();
        // no scheduler here: the job stays QUEUED
        String job = json(mvc.perform(postJson("/api/v1/jobs", inferenceJob(model, points(), 1)))
                        .andExpect(status().isAccepted())
                        .andReturn())
                .get("id")
                .asString();

        var refused = mvc.perform(asTenant(delete("/api/v1/models/" + model)))
                .andExpect(status().isConflict())
                .andReturn();
        assertThat(json(refused).get("detail").asString()).contains(job).contains("have not ended");

        mvc.perform(asTenant(post("/api/v1/jobs/" + job + "/cancel"))).andExpect(status().isOk());
        mvc.perform(asTenant(delete("/api/v1/models/" + model))).andExpect(status().isNoContent());
        mvc.perform(asTenant(get("/api/v1/models/" + model))).andExpect(status().isNotFound());
        assertThat(db.jdbc
                        .sql("select count(*) from model_tiles where model_id = ?::uuid")
                        .param(model)
                        .query(Long.class)
                        .single())
                .as("its parameters went with it")
                .isZero();
    }

    @Test
    void anotherTenantsModelIsNotThereToDelete() throws Exception {
        String model = linearModel();

        mvc.perform(asOtherTenant(delete("/api/v1/models/" + model))).andExpect(status().isNotFound());
        mvc.perform(asTenant(get("/api/v1/models/" + model))).andExpect(status().isOk());
    }
}
