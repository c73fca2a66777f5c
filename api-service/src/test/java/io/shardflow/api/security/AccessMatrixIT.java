package io.shardflow.api.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.put;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.shardflow.api.ApiITSupport;
import io.shardflow.db.access.IntakeBindings;
import io.shardflow.db.quotas.TenantQuota;
import io.shardflow.db.quotas.TenantQuotas;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;

/**
 * Every endpoint of the API, the dashboard and the actuator, asked by each kind of caller: nobody, a SUBMITTER of
 * another tenant, the SUBMITTER that owns the resources, an OPERATOR and an ADMIN (both of tenants of their own).
 * Each answer is checked against the access rules; a failure lists every cell that differs.
 */
class AccessMatrixIT extends ApiITSupport {
    enum Who {
        ANONYMOUS,
        OTHER_SUBMITTER,
        SUBMITTER,
        OPERATOR,
        ADMIN
    }

    /** A request made afresh for each caller (state-changing rows get a resource of their own each time). */
    interface Request {
        MockHttpServletRequestBuilder make() throws Exception;
    }

    record Row(String endpoint, Request request, int[] expected) {}

    private final Map<Who, String> secrets = new EnumMap<>(Who.class);

    @Autowired
    private IntakeBindings bindings;

    @Autowired
    private TenantQuotas quotas;

    private final List<Row> rows = new ArrayList<>();

    private static int[] expect(int anonymous, int other, int submitter, int operator, int admin) {
        return new int[] {anonymous, other, submitter, operator, admin};
    }

    private void row(String endpoint, Request request, int[] expected) {
        rows.add(new Row(endpoint, request, expected));
    }

    private String job() throws Exception {
        return json(mvc.perform(postJson("/api/v1/jobs", inferenceJob(linearModel(), points(), 2)))
                        .andExpect(status().isAccepted())
                        .andReturn())
                .get("id")
                .asString();
    }

    private String cancelledJob() throws Exception {
        var id = job();
        mvc.perform(asTenant(post("/api/v1/jobs/" + id + "/cancel"))).andExpect(status().isOk());
        return id;
    }

    @Test
    void everyEndpointAnswersEachCallerAsTheRulesSay() throws Exception {
        secrets.put(Who.OTHER_SUBMITTER, keyFor("other-" + UUID.randomUUID(), Role.SUBMITTER));
        secrets.put(Who.SUBMITTER, keyFor(tenant, Role.SUBMITTER));
        secrets.put(Who.OPERATOR, keyFor("ops-" + UUID.randomUUID(), Role.OPERATOR));
        secrets.put(Who.ADMIN, keyFor("admin-" + UUID.randomUUID(), Role.ADMIN));
        var dataset = points();
        var model = linearModel();
        var job = job();
        var csv = "a,b,c\n1,2,3\n";
        var modelBody = """
                {"name": "m", "architecture": {"kind": "linear", "inputs": 3, "outputs": 2},
                 "parameters": {"weight": [[1, 0, 0], [0, 1, 1]], "bias": [0.5, -1]}}""";
        var jobBody = inferenceJob(model, dataset, 1);

        row(
                "POST /api/v1/datasets",
                () -> post("/api/v1/datasets?name=x").contentType("text/csv").content(csv),
                expect(401, 201, 201, 403, 201));
        row("GET /api/v1/datasets", () -> get("/api/v1/datasets"), expect(401, 200, 200, 200, 200));
        row("GET /api/v1/datasets/{id}", () -> get("/api/v1/datasets/" + dataset), expect(401, 404, 200, 200, 200));
        row("POST /api/v1/models", () -> json(post("/api/v1/models"), modelBody), expect(401, 201, 201, 403, 201));
        row("GET /api/v1/models", () -> get("/api/v1/models"), expect(401, 200, 200, 200, 200));
        row("GET /api/v1/models/{id}", () -> get("/api/v1/models/" + model), expect(401, 404, 200, 200, 200));
        row(
                "GET /api/v1/models/{id}/parameters",
                () -> get("/api/v1/models/" + model + "/parameters"),
                expect(401, 404, 200, 200, 200));
        // no worker runs here: the owner's call times out (504) after its 1 ms; anyone else's names no model of theirs
        row(
                "POST /api/v1/models/{id}/predict",
                () -> json(post("/api/v1/models/" + model + "/predict"), "{\"rows\": [[1, 2, 3]], \"timeoutMs\": 1}"),
                expect(401, 400, 504, 403, 400));
        row(
                "POST /api/v1/models/{id}/generate",
                () -> json(post("/api/v1/models/" + model + "/generate"), "{\"prompt\": \"x\", \"maxTokens\": 1}"),
                expect(401, 400, 400, 403, 400));
        row("POST /api/v1/jobs", () -> json(post("/api/v1/jobs"), jobBody), expect(401, 400, 202, 403, 400));
        // each item of another tenant's batch names no model of theirs: 200, with the item refused (400) inside
        row(
                "POST /api/v1/jobs:batch",
                () -> json(post("/api/v1/jobs:batch"), "{\"jobs\": [" + jobBody + "]}"),
                expect(401, 200, 200, 403, 200));
        row("POST /api/v1/jobs:plan", () -> json(post("/api/v1/jobs:plan"), jobBody), expect(401, 400, 200, 403, 400));
        row("GET /api/v1/jobs", () -> get("/api/v1/jobs"), expect(401, 200, 200, 200, 200));
        row("GET /api/v1/jobs/{id}", () -> get("/api/v1/jobs/" + job), expect(401, 404, 200, 200, 200));
        row(
                "GET /api/v1/jobs/{id}/metrics",
                () -> get("/api/v1/jobs/" + job + "/metrics"),
                expect(401, 404, 200, 200, 200));
        row(
                "GET /api/v1/jobs/{id}/events",
                () -> get("/api/v1/jobs/" + job + "/events"),
                expect(401, 404, 200, 200, 200));
        row(
                "GET /api/v1/jobs/{id}/result",
                () -> get("/api/v1/jobs/" + job + "/result"),
                expect(401, 404, 409, 409, 409));
        row(
                "POST /api/v1/jobs/{id}/cancel",
                () -> post("/api/v1/jobs/" + job() + "/cancel"),
                expect(401, 404, 200, 200, 200));
        row(
                "POST /api/v1/jobs/{id}/retry",
                () -> post("/api/v1/jobs/" + cancelledJob() + "/retry"),
                expect(401, 404, 202, 202, 202));
        row(
                "POST /api/v1/jobs/{id}/priority",
                () -> json(post("/api/v1/jobs/" + job() + "/priority"), "{\"priority\": 5}"),
                expect(401, 403, 403, 200, 200));
        row("GET /api/v1/api-keys", () -> get("/api/v1/api-keys"), expect(401, 403, 403, 403, 200));
        row(
                "POST /api/v1/api-keys",
                () -> json(
                        post("/api/v1/api-keys"), "{\"name\": \"k\", \"tenant\": \"t\", \"roles\": [\"SUBMITTER\"]}"),
                expect(401, 403, 403, 403, 201));
        row(
                "DELETE /api/v1/api-keys/{id}",
                () -> delete("/api/v1/api-keys/"
                        + keys.create(TEST_ADMIN, "doomed", "t", Set.of(Role.SUBMITTER))
                                .key()
                                .id()),
                expect(401, 403, 403, 403, 204));
        row("GET /api/v1/audit", () -> get("/api/v1/audit"), expect(401, 403, 403, 403, 200));
        row("GET /api/v1/intake-bindings", () -> get("/api/v1/intake-bindings"), expect(401, 403, 403, 403, 200));
        row(
                "POST /api/v1/intake-bindings",
                () -> json(
                        post("/api/v1/intake-bindings"),
                        "{\"source\": \"/matrix/" + UUID.randomUUID() + "\", \"tenant\": \"t\"}"),
                expect(401, 403, 403, 403, 201));
        row(
                "DELETE /api/v1/intake-bindings/{id}",
                () -> delete("/api/v1/intake-bindings/"
                        + bindings.bind("/doomed/" + UUID.randomUUID(), "t").id()),
                expect(401, 403, 403, 403, 204));
        row(
                "GET /api/v1/tenants/{tenant}/quota",
                () -> get("/api/v1/tenants/" + tenant + "/quota"),
                expect(401, 403, 403, 403, 200));
        row(
                "PUT /api/v1/tenants/{tenant}/quota",
                () -> json(put("/api/v1/tenants/matrix-quota/quota"), "{\"maxQueuedJobs\": 100, \"weight\": 2}"),
                expect(401, 403, 403, 403, 200));
        row(
                "DELETE /api/v1/tenants/{tenant}/quota",
                () -> {
                    quotas.put(TenantQuota.unlimited("matrix-doomed"));
                    return delete("/api/v1/tenants/matrix-doomed/quota");
                },
                expect(401, 403, 403, 403, 204));
        // no broker here, so the whole and readiness are DOWN (503) for everyone alike: status only, nothing more
        row("GET /actuator/health", () -> get("/actuator/health"), expect(503, 503, 503, 503, 503));
        row("GET /actuator/health/liveness", () -> get("/actuator/health/liveness"), expect(200, 200, 200, 200, 200));
        row("GET /actuator/health/readiness", () -> get("/actuator/health/readiness"), expect(503, 503, 503, 503, 503));
        row("GET /actuator/metrics", () -> get("/actuator/metrics"), expect(401, 403, 403, 403, 200));
        // and to the scrape token, which opens nothing else (MetricsIT)
        row("GET /actuator/prometheus", () -> get("/actuator/prometheus"), expect(401, 403, 403, 403, 200));
        row("GET /actuator/info", () -> get("/actuator/info"), expect(401, 403, 403, 403, 200));
        for (var page : List.of("/", "/workers", "/models", "/datasets", "/tenants", "/dashboard/jobs")) {
            row("GET " + page, () -> get(page).accept(MediaType.TEXT_HTML), expect(302, 403, 403, 200, 200));
        }
        // a topic that is not Shardflow's is a 404 before any broker is asked (none runs here)
        row(
                "GET /queues",
                () -> get("/queues?inspect=payments").accept(MediaType.TEXT_HTML),
                expect(302, 403, 403, 404, 404));
        row("GET /jobs/{id}", () -> get("/jobs/" + job).accept(MediaType.TEXT_HTML), expect(302, 403, 403, 200, 200));
        row("GET /dashboard/jobs/{id}", () -> get("/dashboard/jobs/" + job), expect(302, 403, 403, 200, 200));
        row(
                "POST /queues/replay",
                () -> post("/queues/replay")
                        .param("topic", "payments.DLT")
                        .param("partition", "0")
                        .param("offset", "0")
                        .param("inspect", "payments"),
                expect(302, 403, 403, 404, 404));
        row(
                "POST /tenants/quota",
                () -> post("/tenants/quota").param("tenant", "matrix-form").param("weight", "3"),
                expect(302, 403, 403, 403, 302));
        row(
                "POST /tenants/quota/reset",
                () -> post("/tenants/quota/reset").param("tenant", "matrix-form"),
                expect(302, 403, 403, 403, 302));
        // a model of the SUBMITTER's tenant, made afresh for each caller: another tenant's is as missing as none
        row(
                "DELETE /api/v1/models/{id}",
                () -> delete("/api/v1/models/" + linearModel()),
                expect(401, 404, 204, 204, 204));
        row(
                "POST /models/{id}/delete",
                () -> post("/models/" + linearModel() + "/delete"),
                expect(302, 403, 403, 302, 302));
        // a filter that selects nothing: the action answers with the page, having touched no job
        row(
                "POST /jobs/bulk",
                () -> post("/jobs/bulk").param("action", "cancel").param("q", "matrix-selects-nothing"),
                expect(302, 403, 403, 302, 302));
        // jobs that ended a century ago: none
        row(
                "POST /jobs/retention",
                () -> post("/jobs/retention").param("days", "36500"),
                expect(302, 403, 403, 403, 302));
        row(
                "POST /workers/{id}/drain",
                () -> post("/workers/matrix-no-such-worker/drain"),
                expect(302, 403, 403, 404, 404));
        row(
                "POST /workers/{id}/resume",
                () -> post("/workers/matrix-no-such-worker/resume"),
                expect(302, 403, 403, 404, 404));
        row("GET /login", () -> get("/login"), expect(200, 200, 200, 200, 200));
        // the container's error page, open to anyone: asked for directly, there is no error to tell
        row("GET /error", () -> get("/error"), expect(404, 404, 404, 404, 404));
        row("GET /v3/api-docs", () -> get("/v3/api-docs"), expect(200, 200, 200, 200, 200));

        var differences = new ArrayList<String>();
        for (var row : rows) {
            for (var who : Who.values()) {
                var request = row.request().make();
                var key = secrets.get(who);
                if (key != null) {
                    request.header("Authorization", "Bearer " + key);
                }
                int answered = mvc.perform(request).andReturn().getResponse().getStatus();
                int expected = row.expected()[who.ordinal()];
                if (answered != expected) {
                    differences.add(row.endpoint() + " as " + who + ": " + answered + ", expected " + expected);
                }
            }
        }
        System.out.println("access matrix: " + rows.size() + " endpoints × " + Who.values().length + " callers = "
                + rows.size() * Who.values().length + " cells");
        assertThat(differences).as("cells that differ from the rules").isEmpty();
    }

    private static MockHttpServletRequestBuilder json(MockHttpServletRequestBuilder request, String body) {
        return request.contentType(MediaType.APPLICATION_JSON).content(body);
    }
}
