package io.shardflow.api;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.shardflow.api.security.ApiKeys;
import io.shardflow.api.security.Caller;
import io.shardflow.api.security.CallerAuthentication;
import io.shardflow.api.security.Role;
import io.shardflow.db.MutableClock;
import io.shardflow.db.TestDatabase;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.RequestPostProcessor;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API's whole Spring context behind MockMvc, on the real PostgreSQL of {@link TestDatabase}. Kafka's address
 * is one where nothing listens and no listener starts: intake needs only the database, whose outbox keeps the
 * messages, so no broker is needed and nothing waits for one. Every test acts as a tenant of its own, so lists and
 * counts see only what the test made.
 */
@SpringBootTest(
        classes = {ApiApplication.class, ApiITSupport.Time.class},
        properties = {
            "spring.kafka.bootstrap-servers=127.0.0.1:1",
            "spring.kafka.listener.auto-startup=false",
            "spring.kafka.admin.auto-create=false",
            "logging.level.org.apache.kafka=ERROR",
            "logging.level.io.shardflow.db.outbox=ERROR",
            "logging.level.io.shardflow.db.messaging=ERROR"
        })
@AutoConfigureMockMvc
public abstract class ApiITSupport {
    protected static final JsonMapper JSON = JsonMapper.builder().build();
    /** Who the tests' keys are created by, in the audit log. */
    protected static final Caller TEST_ADMIN = Caller.of("tests", "tests", "default", Set.of(Role.ADMIN));

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        var db = TestDatabase.get();
        registry.add("spring.datasource.url", () -> db.jdbcUrl);
        registry.add("spring.datasource.username", () -> db.user);
        registry.add("spring.datasource.password", () -> db.password);
    }

    /** The clock of the context: tests move it and put it back. */
    @TestConfiguration
    static class Time {
        @Bean
        MutableClock clock() {
            return new MutableClock();
        }
    }

    @Autowired
    protected MockMvc mvc;

    @Autowired
    protected MutableClock clock;

    @Autowired
    protected ApiKeys keys;

    protected final TestDatabase db = TestDatabase.get();
    protected final String tenant = "tenant-" + UUID.randomUUID();
    private @Nullable String key;

    /** The secret of a key with {@code roles} for {@code tenant}. */
    protected String keyFor(String tenant, Role... roles) {
        return keys.create(TEST_ADMIN, "test key", tenant, Set.of(roles)).secret();
    }

    /** A request as this test's tenant: a SUBMITTER key of its own. */
    protected MockHttpServletRequestBuilder asTenant(MockHttpServletRequestBuilder request) {
        if (key == null) {
            key = keyFor(tenant, Role.SUBMITTER);
        }
        return request.header("Authorization", "Bearer " + key);
    }

    /** A request as a SUBMITTER of another tenant, made up for the call. */
    protected MockHttpServletRequestBuilder asOtherTenant(MockHttpServletRequestBuilder request) {
        return request.header("Authorization", "Bearer " + keyFor("someone-else-" + UUID.randomUUID(), Role.SUBMITTER));
    }

    /** A dashboard request of a logged-in OPERATOR (the session's authentication, as the login leaves it). */
    protected static RequestPostProcessor operator() {
        return SecurityMockMvcRequestPostProcessors.authentication(
                new CallerAuthentication(Caller.of("operator-1", "operator", "default", Set.of(Role.OPERATOR))));
    }

    protected MockHttpServletRequestBuilder postJson(String path, String body) {
        return asTenant(post(path)).contentType(MediaType.APPLICATION_JSON).content(body);
    }

    protected static JsonNode json(MvcResult result) throws Exception {
        return JSON.readTree(result.getResponse().getContentAsString());
    }

    /** Uploads a CSV dataset and returns its id. */
    protected String dataset(String name, String csv) throws Exception {
        var result = mvc.perform(asTenant(post("/api/v1/datasets").param("name", name))
                        .contentType("text/csv")
                        .content(csv))
                .andExpect(status().isCreated())
                .andReturn();
        return json(result).get("id").asString();
    }

    /** The four rows of columns a, b, c from the README's walk-through. */
    protected String points() throws Exception {
        return dataset("points", "a,b,c\n1,2,3\n4,5,6\n7,8,9\n10,11,12\n");
    }

    /** Registers the README's linear model (3 inputs, 2 outputs) and returns its id. */
    protected String linearModel() throws Exception {
        var result = mvc.perform(postJson("/api/v1/models", """
                        {"name": "demo",
                         "architecture": {"kind": "linear", "inputs": 3, "outputs": 2},
                         "parameters": {"weight": [[1, 0, 0], [0, 1, 1]], "bias": [0.5, -1]}}"""))
                .andExpect(status().isCreated())
                .andReturn();
        return json(result).get("id").asString();
    }

    /** A data-parallel inference job over a, b, c. */
    protected static String inferenceJob(String modelId, String datasetId, int dataShards) {
        return """
                {"type": "INFERENCE",
                 "model": {"id": "%s"},
                 "dataset": {"id": "%s", "features": ["a", "b", "c"]},
                 "parallelism": {"strategy": "DATA", "dataShards": %d}}""".formatted(modelId, datasetId, dataShards);
    }
}
