package io.shardflow.api.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.shardflow.api.ApiITSupport;
import io.shardflow.core.messaging.JobSubmitted;
import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.messaging.Topics;
import io.shardflow.db.quotas.TenantQuota;
import io.shardflow.db.quotas.TenantQuotas;
import io.shardflow.db.usage.TenantUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MvcResult;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/v1/jobs:batch} against the real database (no scheduler runs, so every job stays QUEUED and counts
 * against its tenant's quota): each item judged as a request of its own, the accepted ones stored, nothing else.
 */
class JobBatchIT extends ApiITSupport {
    @Autowired
    private TenantQuotas quotas;

    @Autowired
    private TenantUsage usage;

    private String modelId;
    private String datasetId;

    @BeforeEach
    void inputs() throws Exception {
        modelId = linearModel();
        datasetId = points();
    }

    private String job(int dataShards) {
        return inferenceJob(modelId, datasetId, dataShards);
    }

    /** A job body with an idempotency key. */
    private String keyed(String key, int dataShards) {
        return job(dataShards).replaceFirst("\\{", "{\"idempotencyKey\": \"" + key + "\", ");
    }

    private MvcResult batch(String... items) throws Exception {
        return mvc.perform(postJson("/api/v1/jobs:batch", "{\"jobs\": [" + String.join(", ", items) + "]}"))
                .andReturn();
    }

    private JsonNode accepted(MvcResult result) throws Exception {
        assertThat(result.getResponse().getStatus())
                .as(result.getResponse().getContentAsString())
                .isEqualTo(200);
        return json(result);
    }

    private long jobsOfTenant() {
        return db.jdbc
                .sql("select count(*) from jobs where tenant = ?")
                .param(tenant)
                .query(Long.class)
                .single();
    }

    private List<String> planningRequests(String jobId) {
        return db
                .jdbc
                .sql("select payload from outbox where topic = ? and message_key = ? order by id")
                .params(Topics.JOBS, jobId)
                .query(byte[].class)
                .list()
                .stream()
                .map(p -> MessageCodec.decode(p, JobSubmitted.class).jobId().toString())
                .toList();
    }

    private static void assertProblem(JsonNode item, int index, int status, String field) {
        assertThat(item.get("index").asInt()).isEqualTo(index);
        assertThat(item.get("status").asInt()).as(item.toString()).isEqualTo(status);
        assertThat(item.has("job")).isFalse();
        assertThat(item.get("problem").get("status").asInt()).isEqualTo(status);
        assertThat(item.get("problem").get("field").asString()).isEqualTo(field);
    }

    @Test
    void eachItemIsJudgedAloneAndTheValidOnesAreStored() throws Exception {
        String key = "batch-" + UUID.randomUUID();
        var misspelt = job(2).replace("\"dataShards\"", "\"datashards\"");
        var result = accepted(batch(
                keyed(key, 2),
                inferenceJob(UUID.randomUUID().toString(), datasetId, 2),
                misspelt,
                job(1),
                keyed(key, 2),
                keyed(key, 3),
                "42"));
        assertThat(result.get("accepted").asInt()).isEqualTo(3);
        assertThat(result.get("refused").asInt()).isEqualTo(4);
        var items = result.get("jobs");
        assertThat(items.size()).isEqualTo(7);

        var first = items.get(0);
        assertThat(first.get("status").asInt()).isEqualTo(202);
        assertThat(first.get("replayed").asBoolean()).isFalse();
        assertThat(first.get("job").get("status").asString()).isEqualTo("QUEUED");
        assertThat(first.get("job").get("tenant").asString()).isEqualTo(tenant);
        String firstId = first.get("job").get("id").asString();

        assertProblem(items.get(1), 1, 400, "model.id");
        assertThat(items.get(1).get("problem").get("detail").asString()).contains("does not exist");
        // the very answer a request of its own gets
        assertProblem(items.get(2), 2, 400, "parallelism.datashards");
        var alone = json(mvc.perform(postJson("/api/v1/jobs", misspelt))
                .andExpect(status().isBadRequest())
                .andReturn());
        assertThat(items.get(2).get("problem").get("detail").asString())
                .isEqualTo(alone.get("detail").asString());
        assertThat(items.get(2).get("problem").get("errors")).isEqualTo(alone.get("errors"));

        assertThat(items.get(3).get("status").asInt()).isEqualTo(202);
        String thirdId = items.get(3).get("job").get("id").asString();
        // the same key and body again in the batch: the first's job, replayed
        assertThat(items.get(4).get("status").asInt()).isEqualTo(202);
        assertThat(items.get(4).get("replayed").asBoolean()).isTrue();
        assertThat(items.get(4).get("job").get("id").asString()).isEqualTo(firstId);
        // the key with another body
        assertProblem(items.get(5), 5, 400, "idempotencyKey");
        assertThat(items.get(5).get("problem").get("detail").asString())
                .contains("was already used for job " + firstId + " with a different request");
        assertProblem(items.get(6), 6, 400, "body");

        assertThat(jobsOfTenant()).isEqualTo(2);
        assertThat(planningRequests(firstId)).containsExactly(firstId);
        assertThat(planningRequests(thirdId)).containsExactly(thirdId);
        var timeline = json(mvc.perform(asTenant(get("/api/v1/jobs/" + firstId + "/events")))
                .andExpect(status().isOk())
                .andReturn());
        assertThat(timeline.size()).isEqualTo(1);
        assertThat(timeline.get(0).get("detail").asString()).isEqualTo("accepted");
        var stored = json(mvc.perform(asTenant(get("/api/v1/jobs/" + thirdId)))
                .andExpect(status().isOk())
                .andReturn());
        assertThat(stored).isEqualTo(items.get(3).get("job"));
        assertThat(db.jdbc
                        .sql("select count(*) from outbox where topic = ? and message_key in (?, ?)")
                        .params(Topics.JOB_EVENTS, firstId, thirdId)
                        .query(Long.class)
                        .single())
                .as("one CloudEvent per job made")
                .isEqualTo(2);
    }

    @Test
    void aKeyUsedBeforeAnswersWithItsJobAcrossBatchesAndSingleSubmissions() throws Exception {
        String key = "single-" + UUID.randomUUID();
        var single = json(mvc.perform(postJson("/api/v1/jobs", job(2)).header("Idempotency-Key", key))
                .andExpect(status().isAccepted())
                .andReturn());
        String id = single.get("id").asString();
        String other = "batch-" + UUID.randomUUID();
        var once = accepted(batch(keyed(key, 2), keyed(other, 2))).get("jobs");
        assertThat(once.get(0).get("replayed").asBoolean()).isTrue();
        assertThat(once.get(0).get("job").get("id").asString()).isEqualTo(id);
        assertThat(once.get(1).get("replayed").asBoolean()).isFalse();
        var again = accepted(batch(keyed(key, 2), keyed(other, 2))).get("jobs");
        assertThat(again.get(1).get("replayed").asBoolean()).isTrue();
        assertThat(again.get(1).get("job").get("id").asString())
                .isEqualTo(once.get(1).get("job").get("id").asString());
        assertThat(again.get(0).get("job").get("id").asString()).isEqualTo(id);
        // and the batch's key is a single submission's too
        mvc.perform(postJson("/api/v1/jobs", job(2)).header("Idempotency-Key", other))
                .andExpect(status().isAccepted())
                .andExpect(result -> assertThat(result.getResponse().getHeader("Idempotent-Replayed"))
                        .isEqualTo("true"));
        assertThat(jobsOfTenant()).isEqualTo(2);
        // a key past 200 characters, as the header's
        var tooLong = accepted(batch(keyed("k".repeat(201), 2))).get("jobs").get(0);
        assertProblem(tooLong, 0, 400, "idempotencyKey");
        assertThat(jobsOfTenant()).isEqualTo(2);
    }

    @Test
    void theQueueQuotaIsCountedPerItemAndReplaysPassAtTheCap() throws Exception {
        quotas.put(new TenantQuota(tenant, null, 3, 1.0, null));
        String key = "quota-" + UUID.randomUUID();
        mvc.perform(postJson("/api/v1/jobs", job(2)).header("Idempotency-Key", key))
                .andExpect(status().isAccepted());
        var items =
                accepted(batch(job(2), job(2), job(2), keyed(key, 2), job(2))).get("jobs");
        assertThat(items.get(0).get("status").asInt()).isEqualTo(202);
        assertThat(items.get(1).get("status").asInt()).isEqualTo(202);
        for (int i : new int[] {2, 4}) {
            assertProblem(items.get(i), i, 429, "maxQueuedJobs");
            var problem = items.get(i).get("problem");
            assertThat(problem.get("queued").asInt()).isEqualTo(3);
            assertThat(problem.get("max").asInt()).isEqualTo(3);
            assertThat(problem.get("retryAfterSeconds").asInt()).isEqualTo(2);
            assertThat(problem.get("detail").asString()).contains("quota of tenant " + tenant);
        }
        // a replay makes no job, so the cap does not refuse it
        assertThat(items.get(3).get("status").asInt()).isEqualTo(202);
        assertThat(items.get(3).get("replayed").asBoolean()).isTrue();
        assertThat(jobsOfTenant()).isEqualTo(3);
    }

    @Test
    void theStorageQuotaIsCountedPerItem() throws Exception {
        // each job's result is 4 rows of 2 float32 outputs: 32 bytes; room for two of them
        long used = usage.bytes(tenant);
        quotas.put(new TenantQuota(tenant, null, null, 1.0, used + 2 * 32 + 16));
        var items = accepted(batch(job(2), job(2), job(2))).get("jobs");
        assertThat(items.get(0).get("status").asInt()).isEqualTo(202);
        assertThat(items.get(1).get("status").asInt()).isEqualTo(202);
        assertProblem(items.get(2), 2, 413, "result");
        assertThat(items.get(2).get("problem").get("limit").asString()).contains("maxStorageBytes");
        assertThat(jobsOfTenant()).isEqualTo(2);
    }

    @Test
    void aBatchThatIsWrongAsAWholeIsRefusedAsAWhole() throws Exception {
        var items = new ArrayList<String>();
        for (int i = 0; i < 1001; i++) {
            items.add(job(1));
        }
        var tooMany = json(mvc.perform(postJson("/api/v1/jobs:batch", "{\"jobs\": [" + String.join(",", items) + "]}"))
                .andExpect(status().isBadRequest())
                .andReturn());
        assertThat(tooMany.get("field").asString()).isEqualTo("jobs");
        assertThat(tooMany.get("detail").asString())
                .contains("1001 jobs", "1000 allowed", "shardflow.api.max-batch-jobs");
        var empty = json(mvc.perform(postJson("/api/v1/jobs:batch", "{\"jobs\": []}"))
                .andExpect(status().isBadRequest())
                .andReturn());
        assertThat(empty.get("field").asString()).isEqualTo("jobs");
        var missing = json(mvc.perform(postJson("/api/v1/jobs:batch", "{}"))
                .andExpect(status().isBadRequest())
                .andReturn());
        assertThat(missing.get("field").asString()).isEqualTo("jobs");
        var unknown = json(mvc.perform(postJson("/api/v1/jobs:batch", "{\"jobs\": [], \"job\": 1}"))
                .andExpect(status().isBadRequest())
                .andReturn());
        assertThat(unknown.get("field").asString()).isEqualTo("job");
        assertThat(jobsOfTenant()).isZero();
    }
}
