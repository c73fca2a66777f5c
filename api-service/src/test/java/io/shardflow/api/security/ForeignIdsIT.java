package io.shardflow.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import io.shardflow.api.ApiITSupport;
import io.shardflow.core.jobs.JobInput;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobType;
import io.shardflow.db.jobs.JobRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * Another tenant's ids tell a SUBMITTER nothing: 1,000 ids of another tenant's jobs and 1,000 random ids, asked in
 * every way a job, dataset or model is addressed, all answer 404 with the same body as an id that does not exist.
 */
class ForeignIdsIT extends ApiITSupport {
    @Autowired
    private JobRepository jobs;

    private final List<Function<UUID, MockHttpServletRequestBuilder>> ways = List.of(
            id -> get("/api/v1/jobs/" + id),
            id -> get("/api/v1/jobs/" + id + "/result"),
            id -> get("/api/v1/jobs/" + id + "/events"),
            id -> get("/api/v1/jobs/" + id + "/metrics"),
            id -> post("/api/v1/jobs/" + id + "/cancel"),
            id -> post("/api/v1/jobs/" + id + "/retry"),
            id -> get("/api/v1/datasets/" + id),
            id -> get("/api/v1/models/" + id),
            id -> get("/api/v1/models/" + id + "/parameters"));

    @Test
    void foreignAndRandomIdsAreAllNotFoundAlike() throws Exception {
        var spec = new JobSpec(
                JobType.INFERENCE,
                new JobSpec.ModelRef(UUID.randomUUID()),
                null,
                new JobInput(null, List.of(new float[] {1})),
                null,
                null,
                null,
                null,
                null);
        var owner = "owner-" + UUID.randomUUID();
        var foreign = new ArrayList<UUID>();
        for (int i = 0; i < 1_000; i++) {
            foreign.add(jobs.insert(UUID.randomUUID(), owner, spec, null));
        }
        var random = new ArrayList<UUID>();
        var seeds = new Random(14);
        for (int i = 0; i < 1_000; i++) {
            random.add(new UUID(seeds.nextLong(), seeds.nextLong()));
        }
        var key = "Bearer " + keyFor(tenant, Role.SUBMITTER);

        var leaks = new ArrayList<String>();
        int asked = 0;
        for (var ids : List.of(foreign, random)) {
            for (int i = 0; i < ids.size(); i++) {
                var id = ids.get(i);
                var way = ways.get(i % ways.size());
                var response = mvc.perform(way.apply(id).header("Authorization", key))
                        .andReturn()
                        .getResponse();
                asked++;
                // the body names the id asked for, as it would for one that does not exist; nothing else differs
                var missing = mvc.perform(way.apply(UUID.randomUUID()).header("Authorization", key))
                        .andReturn()
                        .getResponse();
                var body = response.getContentAsString().replace(id.toString(), "<id>");
                var missingBody = missing.getContentAsString().replaceAll("[0-9a-f-]{36}", "<id>");
                if (response.getStatus() != 404 || !body.equals(missingBody)) {
                    leaks.add(response.getStatus() + " " + body);
                }
            }
        }
        assertThat(asked).isEqualTo(2_000);
        assertThat(leaks).as("answers that differ from a missing id's").isEmpty();
    }
}
