package io.shardflow.api.quotas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.shardflow.api.ApiITSupport;
import io.shardflow.api.security.Role;
import java.util.ArrayList;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import tools.jackson.databind.JsonNode;

/**
 * Tenants' quotas over the REST API, on the real database. No scheduler runs here, so every job submitted stays
 * QUEUED and counts against its tenant's {@code maxQueuedJobs} for the whole test: what is refused is decided by the
 * count alone, never by how fast jobs end.
 */
class QuotasIT extends ApiITSupport {
    private String admin;

    private MockHttpServletRequestBuilder asAdmin(MockHttpServletRequestBuilder request) {
        if (admin == null) {
            admin = keyFor("admins", Role.ADMIN);
        }
        return request.header("Authorization", "Bearer " + admin);
    }

    private MvcResult putQuota(String tenant, String body) throws Exception {
        return mvc.perform(asAdmin(put("/api/v1/tenants/" + tenant + "/quota"))
                        .contentType(MediaType.APPLICATION_JSON)
                        .content(body))
                .andReturn();
    }

    private JsonNode quota(String tenant) throws Exception {
        return json(mvc.perform(asAdmin(get("/api/v1/tenants/" + tenant + "/quota")))
                .andExpect(status().isOk())
                .andReturn());
    }

    private static void assertInvalid(MvcResult result, String field, String says) throws Exception {
        assertThat(result.getResponse().getStatus())
                .as(result.getResponse().getContentAsString())
                .isEqualTo(400);
        assertThat(result.getResponse().getContentType()).startsWith("application/problem+json");
        var problem = json(result);
        assertThat(problem.get("field").asString()).isEqualTo(field);
        assertThat(problem.get("detail").asString()).contains(says);
    }

    private long jobsOf(String tenant) {
        return db.jdbc
                .sql("select count(*) from jobs where tenant = ?")
                .param(tenant)
                .query(Long.class)
                .single();
    }

    private long outboxRows() {
        return db.jdbc.sql("select count(*) from outbox").query(Long.class).single();
    }

    @Test
    void aQuotaIsReadSetAndResetWithTheTenantsUse() throws Exception {
        var initial = quota(tenant);
        assertThat(initial.get("source").asString()).isEqualTo("default");
        assertThat(initial.get("maxQueuedJobs").asInt()).isEqualTo(10000);
        assertThat(initial.get("maxRunningShards").isNull()).isTrue();
        assertThat(initial.get("weight").asDouble()).isEqualTo(1.0);
        assertThat(initial.get("storageLimit").get("setBy").asString())
                .isEqualTo("shardflow.api.limits.tenant-storage");
        assertThat(initial.get("use").get("queuedJobs").asLong()).isZero();

        var model = linearModel();
        var data = points();
        mvc.perform(postJson("/api/v1/jobs", inferenceJob(model, data, 2))).andExpect(status().isAccepted());
        var set = putQuota(tenant, """
                {"maxRunningShards": 4, "maxQueuedJobs": 50, "weight": 2.5, "maxStorageBytes": 1000000}""");
        assertThat(set.getResponse().getStatus()).isEqualTo(200);
        var stored = json(set);
        assertThat(stored.get("source").asString()).isEqualTo("tenant");
        assertThat(stored.get("maxRunningShards").asInt()).isEqualTo(4);
        assertThat(stored.get("maxQueuedJobs").asInt()).isEqualTo(50);
        assertThat(stored.get("weight").asDouble()).isEqualTo(2.5);
        assertThat(stored.get("maxStorageBytes").asLong()).isEqualTo(1_000_000);
        var now = quota(tenant);
        assertThat(now.get("use").get("queuedJobs").asLong()).isEqualTo(1);
        assertThat(now.get("use").get("storedBytes").asLong()).isEqualTo(4 * 3 * 4 + 8 * 4);
        assertThat(now.get("storageLimit").get("bytes").asLong()).isEqualTo(1_000_000);
        assertThat(now.get("storageLimit").get("setBy").asString()).contains("quota of tenant " + tenant);

        // null is no cap
        var uncapped = json(putQuota(tenant, "{\"maxRunningShards\": null, \"maxQueuedJobs\": null, \"weight\": 1}"));
        assertThat(uncapped.get("maxQueuedJobs").isNull()).isTrue();
        assertThat(uncapped.get("storageLimit").get("setBy").asString())
                .isEqualTo("shardflow.api.limits.tenant-storage");

        var audit = json(mvc.perform(asAdmin(get("/api/v1/audit"))).andReturn());
        assertThat(audit.toString()).contains("quota.put").contains(tenant);

        mvc.perform(asAdmin(delete("/api/v1/tenants/" + tenant + "/quota"))).andExpect(status().isNoContent());
        assertThat(quota(tenant).get("source").asString()).isEqualTo("default");
        mvc.perform(asAdmin(delete("/api/v1/tenants/" + tenant + "/quota"))).andExpect(status().isNotFound());
    }

    @Test
    void aBadQuotaIsRefusedNamingItsField() throws Exception {
        assertInvalid(putQuota(tenant, "{\"maxQueuedJobs\": 0, \"weight\": 1}"), "maxQueuedJobs", "at least 1");
        assertInvalid(putQuota(tenant, "{\"maxRunningShards\": -3, \"weight\": 1}"), "maxRunningShards", "at least 1");
        assertInvalid(putQuota(tenant, "{\"maxStorageBytes\": 0, \"weight\": 1}"), "maxStorageBytes", "at least 1");
        assertInvalid(putQuota(tenant, "{\"weight\": 0}"), "weight", "more than 0");
        assertInvalid(putQuota(tenant, "{\"weight\": 1000.5}"), "weight", "at most 1000");
        assertInvalid(putQuota(tenant, "{\"maxQueuedJobs\": 5}"), "weight", "is required");
        assertInvalid(putQuota(tenant, "{\"weight\": 1, \"maxQueued\": 5}"), "maxQueued", "");
        assertInvalid(putQuota(tenant, "{\"weight\": 1, \"maxQueuedJobs\": \"many\"}"), "maxQueuedJobs", "");
        assertInvalid(putQuota(tenant, "{\"weight\": 1, \"maxQueuedJobs\": 3000000000}"), "maxQueuedJobs", "");
        assertInvalid(putQuota("-bad", "{\"weight\": 1}"), "tenant", "letters, digits");
        assertInvalid(
                mvc.perform(asAdmin(get("/api/v1/tenants/" + "x".repeat(64) + "/quota")))
                        .andReturn(),
                "tenant",
                "1..63");
        assertThat(quota(tenant).get("source").asString()).as("nothing stored").isEqualTo("default");
    }

    @Test
    void aSubmissionBeyondMaxQueuedJobsIsAnswered429AndStoresNothing() throws Exception {
        var model = linearModel();
        var data = points();
        var job = inferenceJob(model, data, 1);
        putQuota(tenant, "{\"maxQueuedJobs\": 2, \"weight\": 1}");
        mvc.perform(postJson("/api/v1/jobs", job).header("Idempotency-Key", "first"))
                .andExpect(status().isAccepted());
        mvc.perform(postJson("/api/v1/jobs", job)).andExpect(status().isAccepted());
        long jobs = jobsOf(tenant);
        long outbox = outboxRows();

        var refused = mvc.perform(postJson("/api/v1/jobs", job)).andReturn();

        var response = refused.getResponse();
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(429);
        assertThat(response.getContentType()).startsWith("application/problem+json");
        assertThat(response.getHeader("Retry-After")).isEqualTo(Long.toString(QueueQuota.RETRY_AFTER_SECONDS));
        var problem = json(refused);
        assertThat(problem.get("quota").asString()).isEqualTo("maxQueuedJobs");
        assertThat(problem.get("max").asLong()).isEqualTo(2);
        assertThat(problem.get("queued").asLong()).isEqualTo(2);
        assertThat(problem.get("tenant").asString()).isEqualTo(tenant);
        assertThat(problem.get("detail").asString())
                .contains("2 jobs not yet ended")
                .contains("nothing was stored");
        // the synchronous paths create jobs too, and are refused alike
        var predict = mvc.perform(postJson("/api/v1/models/" + model + "/predict", "{\"rows\": [[1, 2, 3]]}"))
                .andReturn();
        assertThat(predict.getResponse().getStatus()).isEqualTo(429);
        assertThat(json(predict).get("quota").asString()).isEqualTo("maxQueuedJobs");
        assertThat(jobsOf(tenant)).as("no job row").isEqualTo(jobs);
        assertThat(outboxRows()).as("no outbox row").isEqualTo(outbox);

        // a retry of a job that exists is answered with it, at the limit as anywhere
        var replay = mvc.perform(postJson("/api/v1/jobs", job).header("Idempotency-Key", "first"))
                .andExpect(status().isAccepted())
                .andReturn();
        assertThat(replay.getResponse().getHeader("Idempotent-Replayed")).isEqualTo("true");
        assertThat(jobsOf(tenant)).isEqualTo(jobs);

        // a slot frees when a job ends
        var id = json(replay).get("id").asString();
        mvc.perform(asTenant(post("/api/v1/jobs/" + id + "/cancel"))).andExpect(status().isOk());
        mvc.perform(postJson("/api/v1/jobs", job)).andExpect(status().isAccepted());
        assertThat(jobsOf(tenant)).isEqualTo(jobs + 1);
    }

    @Test
    void submissionsAtTheLimitAtOnceAdmitNoMoreThanTheQuota() throws Exception {
        var job = inferenceJob(linearModel(), points(), 1);
        putQuota(tenant, "{\"maxQueuedJobs\": 3, \"weight\": 1}");
        int callers = 12;
        var statuses = new ArrayList<Integer>();
        try (var pool = Executors.newFixedThreadPool(callers)) {
            var calls = new ArrayList<Callable<Integer>>();
            for (int i = 0; i < callers; i++) {
                calls.add(() -> mvc.perform(postJson("/api/v1/jobs", job))
                        .andReturn()
                        .getResponse()
                        .getStatus());
            }
            for (Future<Integer> answer : pool.invokeAll(calls)) {
                statuses.add(answer.get());
            }
        }
        assertThat(statuses.stream().filter(s -> s == 202)).hasSize(3);
        assertThat(statuses.stream().filter(s -> s == 429)).hasSize(callers - 3);
        assertThat(jobsOf(tenant)).isEqualTo(3);
    }

    private long boundOf(String tenant) {
        return db.jdbc
                .sql("select open_jobs from tenant_queue_bounds where tenant = ?")
                .param(tenant)
                .query(Long.class)
                .single();
    }

    private int submit(String job) throws Exception {
        return mvc.perform(postJson("/api/v1/jobs", job))
                .andReturn()
                .getResponse()
                .getStatus();
    }

    @Test
    void jobsThatEndedAreSeenByTheRecountAtTheCap() throws Exception {
        var job = inferenceJob(linearModel(), points(), 1);
        putQuota(tenant, "{\"maxQueuedJobs\": 3, \"weight\": 1}");
        var ids = new ArrayList<String>();
        for (int i = 0; i < 3; i++) {
            var accepted = mvc.perform(postJson("/api/v1/jobs", job))
                    .andExpect(status().isAccepted())
                    .andReturn();
            ids.add(json(accepted).get("id").asString());
        }
        assertThat(boundOf(tenant)).isEqualTo(3);
        // one ended through the API, one as a worker's failure would end it: neither is taken off the bound
        mvc.perform(asTenant(post("/api/v1/jobs/" + ids.get(0) + "/cancel"))).andExpect(status().isOk());
        db.jdbc
                .sql("update jobs set status = 'FAILED', finished_at = now() where id = ?")
                .param(UUID.fromString(ids.get(1)))
                .update();
        assertThat(boundOf(tenant)).as("the bound overestimates").isEqualTo(3);

        // the bound would pass the cap: counted exactly, 1 open, so room for 2
        assertThat(submit(job)).isEqualTo(202);
        assertThat(boundOf(tenant)).as("the exact count, with this job").isEqualTo(2);
        var batch = mvc.perform(postJson("/api/v1/jobs:batch", "{\"jobs\": [" + job + ", " + job + "]}"))
                .andReturn();
        assertThat(batch.getResponse().getStatus()).isEqualTo(200);
        var items = json(batch).get("jobs");
        assertThat(items.get(0).get("status").asInt()).isEqualTo(202);
        assertThat(items.get(1).get("status").asInt()).isEqualTo(429);
        assertThat(boundOf(tenant)).isEqualTo(3);

        var refused = mvc.perform(postJson("/api/v1/jobs", job)).andReturn();
        assertThat(refused.getResponse().getStatus()).isEqualTo(429);
        assertThat(json(refused).get("queued").asLong()).isEqualTo(3);
        assertThat(jobsOf(tenant)).isEqualTo(5);
    }

    @Test
    void anOldBoundIsCountedAfreshAndAFreshOneRaised() throws Exception {
        var job = inferenceJob(linearModel(), points(), 1);
        putQuota(tenant, "{\"maxQueuedJobs\": 50, \"weight\": 1}");
        assertThat(submit(job)).isEqualTo(202);
        assertThat(submit(job)).isEqualTo(202);
        db.jdbc
                .sql("update jobs set status = 'FAILED', finished_at = now() where tenant = ?")
                .param(tenant)
                .update();
        assertThat(submit(job)).isEqualTo(202);
        assertThat(boundOf(tenant)).as("raised, not counted").isEqualTo(3);

        db.jdbc
                .sql("update tenant_queue_bounds set counted_at = counted_at - interval '1 minute' where tenant = ?")
                .param(tenant)
                .update();
        assertThat(submit(job)).isEqualTo(202);
        assertThat(boundOf(tenant)).as("counted: the failed ones are gone").isEqualTo(2);
    }

    @Test
    void theStorageBudgetIsTheTenantsOwnWhereSet() throws Exception {
        // the points dataset stores 4 rows x 3 columns x 4 bytes = 48 bytes: two fit in 100, a third does not
        putQuota(tenant, "{\"maxStorageBytes\": 100, \"weight\": 1}");
        points();
        points();
        var third = mvc.perform(asTenant(post("/api/v1/datasets").param("name", "third"))
                        .contentType("text/csv")
                        .content("a,b,c\n1,2,3\n4,5,6\n7,8,9\n10,11,12\n"))
                .andReturn();
        assertThat(third.getResponse().getStatus())
                .as(third.getResponse().getContentAsString())
                .isEqualTo(413);
        var problem = json(third);
        assertThat(problem.get("limit").asString()).isEqualTo("maxStorageBytes of the quota of tenant " + tenant);
        assertThat(problem.get("max").asLong()).isEqualTo(100);
        assertThat(problem.get("used").asLong()).isEqualTo(96);
    }

    @Test
    void onlyAnAdminReadsOrSetsQuotas() throws Exception {
        var operator = keyFor("ops", Role.OPERATOR);
        mvc.perform(asTenant(get("/api/v1/tenants/" + tenant + "/quota"))).andExpect(status().isForbidden());
        mvc.perform(get("/api/v1/tenants/" + tenant + "/quota").header("Authorization", "Bearer " + operator))
                .andExpect(status().isForbidden());
        mvc.perform(asTenant(put("/api/v1/tenants/" + tenant + "/quota"))
                        .contentType(MediaType.APPLICATION_JSON)
                        .content("{\"weight\": 1000}"))
                .andExpect(status().isForbidden());
        assertThat(quota(tenant).get("weight").asDouble()).isEqualTo(1.0);
    }
}
