package io.shardflow.api.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.shardflow.api.ApiITSupport;
import io.shardflow.core.messaging.JobSubmitted;
import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.messaging.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.ResultMatcher;

/** The jobs API over MockMvc against the real database: what a client sees, and what is stored behind it. */
class JobsIT extends ApiITSupport {
    private static final MediaType PROBLEM = MediaType.APPLICATION_PROBLEM_JSON;

    private String modelId;
    private String datasetId;

    @BeforeEach
    void inputs() throws Exception {
        modelId = linearModel();
        datasetId = points();
    }

    private MvcResult submit(String body) throws Exception {
        return mvc.perform(postJson("/api/v1/jobs", body))
                .andExpect(status().isAccepted())
                .andReturn();
    }

    private String submitted() throws Exception {
        return json(submit(inferenceJob(modelId, datasetId, 2))).get("id").asString();
    }

    /** An RFC 9457 problem with this status that names this field. */
    private static ResultMatcher problem(int status, String field) {
        return result -> {
            assertThat(result.getResponse().getStatus())
                    .as(result.getResponse().getContentAsString())
                    .isEqualTo(status);
            assertThat(MediaType.parseMediaType(result.getResponse().getContentType()))
                    .isEqualTo(PROBLEM);
            var body = json(result);
            assertThat(body.get("status").asInt()).isEqualTo(status);
            if (field != null) {
                assertThat(body.get("field").asString()).isEqualTo(field);
                assertThat(body.get("errors").get(0).get("field").asString()).isEqualTo(field);
            }
        };
    }

    private long jobsOfTenant() {
        return db.jdbc
                .sql("select count(*) from jobs where tenant = ?")
                .param(tenant)
                .query(Long.class)
                .single();
    }

    private List<byte[]> outbox(String topic, String key) {
        return db.jdbc
                .sql("select payload from outbox where topic = ? and message_key = ? order by id")
                .params(topic, key)
                .query(byte[].class)
                .list();
    }

    @Test
    void anAcceptedJobIsQueuedAndItsMessageWaitsInTheOutbox() throws Exception {
        var result = mvc.perform(postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, 2)))
                .andExpect(status().isAccepted())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
                .andExpect(jsonPath("$.status").value("QUEUED"))
                .andExpect(jsonPath("$.tenant").value(tenant))
                .andExpect(jsonPath("$.type").value("INFERENCE"))
                .andExpect(jsonPath("$.model.id").value(modelId))
                .andExpect(header().doesNotExist("Idempotent-Replayed"))
                .andReturn();
        String id = json(result).get("id").asString();

        assertThat(result.getResponse().getHeader("Location")).isEqualTo("/api/v1/jobs/" + id);
        var row = db.jdbc
                .sql("select status, tenant from jobs where id = ?")
                .param(UUID.fromString(id))
                .query((rs, n) -> List.of(rs.getString(1), rs.getString(2)))
                .single();
        assertThat(row).containsExactly("QUEUED", tenant);
        // no broker listens: the message is kept in the same database, for the relay to publish later
        var messages = outbox(Topics.JOBS, id);
        assertThat(messages).hasSize(1);
        assertThat(MessageCodec.decode(messages.getFirst(), JobSubmitted.class).jobId())
                .isEqualTo(UUID.fromString(id));
        mvc.perform(asTenant(get("/api/v1/jobs/" + id)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.id").value(id))
                .andExpect(jsonPath("$.status").value("QUEUED"));
    }

    @Test
    void aRepeatedIdempotencyKeyReturnsTheFirstJobAndMakesNoOther() throws Exception {
        String key = "key-" + UUID.randomUUID();
        var body = inferenceJob(modelId, datasetId, 2);
        var first = mvc.perform(postJson("/api/v1/jobs", body).header("Idempotency-Key", key))
                .andExpect(status().isAccepted())
                .andExpect(header().doesNotExist("Idempotent-Replayed"))
                .andReturn();
        String id = json(first).get("id").asString();

        mvc.perform(postJson("/api/v1/jobs", body).header("Idempotency-Key", key))
                .andExpect(status().isAccepted())
                .andExpect(header().string("Idempotent-Replayed", "true"))
                .andExpect(header().string("Location", "/api/v1/jobs/" + id))
                .andExpect(jsonPath("$.id").value(id))
                .andExpect(jsonPath("$.status").value("QUEUED"));

        assertThat(jobsOfTenant()).isEqualTo(1);
        assertThat(outbox(Topics.JOBS, id)).as("one message for the one job").hasSize(1);
    }

    @Test
    void anotherRequestUnderAUsedIdempotencyKeyIsAClientError() throws Exception {
        String key = "key-" + UUID.randomUUID();
        var first = mvc.perform(postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, 2))
                        .header("Idempotency-Key", key))
                .andExpect(status().isAccepted())
                .andReturn();
        String id = json(first).get("id").asString();

        var other = mvc.perform(postJson("/api/v1/jobs", inferenceJob(modelId, datasetId, 3))
                        .header("Idempotency-Key", key))
                .andExpect(problem(400, "Idempotency-Key"))
                .andReturn();

        assertThat(json(other).get("detail").asString()).contains(id);
        assertThat(jobsOfTenant()).isEqualTo(1);
    }

    @Test
    void aBadFieldIsAProblemThatNamesItAndNothingIsStored() throws Exception {
        mvc.perform(postJson("/api/v1/jobs", """
                        {"type": "INFERENCE", "model": {"id": "%s"},
                         "dataset": {"id": "%s", "features": ["a", "zz", "c"]}}""".formatted(modelId, datasetId)))
                .andExpect(problem(400, "dataset.features[1]"))
                .andExpect(jsonPath("$.detail").value(Matchers.containsString("'zz'")));
        mvc.perform(postJson("/api/v1/jobs", """
                        {"type": "INFERENCE", "model": {"id": "%s"},
                         "dataset": {"id": "%s", "features": ["a", "b", "c"]},
                         "parallelism": {"strategy": "DATA", "dataShards": 0}}""".formatted(modelId, datasetId)))
                .andExpect(problem(400, "parallelism.dataShards"));
        mvc.perform(postJson("/api/v1/jobs", "{\"type\": \"INFERENCE\", \"model\": "))
                .andExpect(problem(400, null));

        assertThat(jobsOfTenant()).isZero();
    }

    @Test
    void anUnknownJobIsNotFound() throws Exception {
        var unknown = UUID.randomUUID();
        mvc.perform(asTenant(get("/api/v1/jobs/" + unknown)))
                .andExpect(problem(404, null))
                .andExpect(jsonPath("$.detail").value(Matchers.containsString(unknown.toString())));
        mvc.perform(asTenant(post("/api/v1/jobs/" + unknown + "/cancel"))).andExpect(problem(404, null));
    }

    @Test
    void anotherTenantsJobIsNotFound() throws Exception {
        String id = submitted();

        mvc.perform(asOtherTenant(get("/api/v1/jobs/" + id))).andExpect(problem(404, null));
        mvc.perform(asOtherTenant(post("/api/v1/jobs/" + id + "/cancel"))).andExpect(problem(404, null));
        mvc.perform(asTenant(get("/api/v1/jobs/" + id)))
                .andExpect(jsonPath("$.status").value("QUEUED"));
    }

    @Test
    void aQueuedJobIsCancelledOnceThenConflicts() throws Exception {
        String id = submitted();

        mvc.perform(asTenant(post("/api/v1/jobs/" + id + "/cancel")))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.id").value(id))
                .andExpect(jsonPath("$.status").value("CANCELLED"))
                .andExpect(jsonPath("$.finishedAt").isNotEmpty());
        assertThat(db.jdbc
                        .sql("select status from jobs where id = ?")
                        .param(UUID.fromString(id))
                        .query(String.class)
                        .single())
                .isEqualTo("CANCELLED");

        mvc.perform(asTenant(post("/api/v1/jobs/" + id + "/cancel")))
                .andExpect(problem(409, null))
                .andExpect(jsonPath("$.detail").value(Matchers.containsString("CANCELLED")));
    }

    @Test
    void listsPageNewestFirstAndFilterByStatusAndType() throws Exception {
        var ids = new ArrayList<String>();
        for (int i = 0; i < 3; i++) {
            ids.add(submitted());
        }
        mvc.perform(asTenant(post("/api/v1/jobs/" + ids.getFirst() + "/cancel")))
                .andExpect(status().isOk());

        mvc.perform(asTenant(get("/api/v1/jobs").param("page", "0").param("size", "2")))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.total").value(3))
                .andExpect(jsonPath("$.page").value(0))
                .andExpect(jsonPath("$.size").value(2))
                .andExpect(jsonPath("$.items[*].id").value(Matchers.contains(ids.get(2), ids.get(1))));
        mvc.perform(asTenant(get("/api/v1/jobs").param("page", "1").param("size", "2")))
                .andExpect(jsonPath("$.items[*].id").value(Matchers.contains(ids.get(0))));
        mvc.perform(asTenant(get("/api/v1/jobs").param("status", "CANCELLED")))
                .andExpect(jsonPath("$.total").value(1))
                .andExpect(jsonPath("$.items[*].id").value(Matchers.contains(ids.get(0))));
        mvc.perform(asTenant(get("/api/v1/jobs").param("status", "QUEUED").param("type", "INFERENCE")))
                .andExpect(jsonPath("$.total").value(2))
                .andExpect(jsonPath("$.items[*].id").value(Matchers.contains(ids.get(2), ids.get(1))));
        mvc.perform(asTenant(get("/api/v1/jobs").param("type", "TRAINING")))
                .andExpect(jsonPath("$.total").value(0))
                .andExpect(jsonPath("$.items").isEmpty());
        // a page larger than the largest allowed is cut to it (shardflow.api.max-page-size, 200)
        mvc.perform(asTenant(get("/api/v1/jobs").param("size", "1000")))
                .andExpect(jsonPath("$.size").value(200));
        mvc.perform(asOtherTenant(get("/api/v1/jobs")))
                .andExpect(jsonPath("$.total").value(0));
        mvc.perform(asTenant(get("/api/v1/jobs").param("status", "NOPE"))).andExpect(problem(400, "status"));
        mvc.perform(asTenant(get("/api/v1/jobs").param("size", "0"))).andExpect(problem(400, "size"));
    }

    @Test
    void aPlanPreviewIsTheFlatPlanDocumentAndRunsNothing() throws Exception {
        var result = mvc.perform(postJson("/api/v1/jobs:plan", inferenceJob(modelId, datasetId, 2)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.strategy").value("DATA"))
                .andExpect(jsonPath("$.rows").value(4))
                .andExpect(jsonPath("$.dataShards").value(2))
                .andExpect(jsonPath("$.generation").value(false))
                .andReturn();
        var plan = json(result);

        assertThat(plan.propertyNames())
                .contains("strategy", "rows", "dataShards", "shards", "training", "model", "generation");
        assertThat(plan.get("training").isNull())
                .as("inference has no training plan")
                .isTrue();
        assertThat(plan.get("model").isObject()).isTrue();
        var shards = plan.get("shards");
        assertThat(shards.size()).isEqualTo(2);
        // contiguous ranges that cover the four rows
        assertThat(shards.get(0).get("start").asLong()).isZero();
        assertThat(shards.get(0).get("end").asLong())
                .isEqualTo(shards.get(1).get("start").asLong());
        assertThat(shards.get(1).get("end").asLong()).isEqualTo(4);
        assertThat(jobsOfTenant()).as("a preview makes no job").isZero();
    }

    @Test
    void aPlanPreviewRefusesWhatSubmitRefuses() throws Exception {
        mvc.perform(postJson("/api/v1/jobs:plan", """
                        {"type": "INFERENCE", "model": {"id": "%s"},
                         "dataset": {"id": "%s", "features": ["a", "b"]}}""".formatted(modelId, datasetId)))
                .andExpect(problem(400, "dataset.features"));
    }
}
