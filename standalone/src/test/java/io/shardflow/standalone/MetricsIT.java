package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code /actuator/prometheus} after a known workload of one tenant: three inference jobs of two shards each that
 * succeed, a training job that succeeds and one that diverges. The tenant's own series count exactly that; series the
 * whole platform shares (by kind, by type) grew by at least as much between a scrape before and one after. Only an
 * ADMIN key or the scrape token reads the meters, and the token opens nothing else.
 */
class MetricsIT {
    private static final ShardflowStandalone platform = TestPlatform.shared();
    private static final Api admin = TestPlatform.api(platform);
    private static final String TENANT = "metrics-it";
    private static final int TRAINING_STEPS = 6;
    private static Api tenant;
    private static PrometheusText before;
    private static PrometheusText after;

    @BeforeAll
    static void workload() {
        tenant = admin.as(TENANT, "SUBMITTER");
        before = scrape(admin);
        var table = Fixtures.randomTable(7, 40, List.of("a", "b", "c"));
        String datasetId = created(tenant.postCsv("/api/v1/datasets?name=metrics-rows", table.csv()));
        String modelId = created(tenant.postJson(
                "/api/v1/models", Fixtures.randomDense(8, 2, 3, 2).mlpRequest("metrics-mlp")));
        for (int i = 0; i < 3; i++) {
            String job = created(
                    tenant.postJson("/api/v1/jobs", Fixtures.inferenceJob(modelId, datasetId, List.of("a", "b"), 2)));
            awaitStatus(tenant, job, "SUCCEEDED");
        }
        awaitStatus(tenant, created(tenant.postJson("/api/v1/jobs", training(datasetId, 0.01))), "SUCCEEDED");
        awaitStatus(tenant, created(tenant.postJson("/api/v1/jobs", training(datasetId, 1e9))), "FAILED");
        after = scrape(admin);
    }

    private static Map<String, Object> training(String datasetId, double learningRate) {
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "TRAINING");
        job.put("model", Map.of("architecture", Map.of("kind", "linear", "inputs", 2, "outputs", 1)));
        job.put("dataset", Map.of("id", datasetId, "features", List.of("a", "b"), "label", "c"));
        job.put(
                "training",
                Map.of("steps", TRAINING_STEPS, "batchSize", 8, "optimizer", "sgd", "learningRate", learningRate));
        job.put("parallelism", Map.of("strategy", "DATA", "dataShards", 2));
        return job;
    }

    private static PrometheusText scrape(Api api) {
        var response = api.get("/actuator/prometheus");
        assertThat(response.status()).as(response.text()).isEqualTo(200);
        assertThat(response.contentType()).startsWith("text/plain");
        return PrometheusText.parse(response.text());
    }

    private static double grew(String name, String... labels) {
        return after.sum(name, labels) - before.sum(name, labels);
    }

    @Test
    void jobsAreCountedByTypeStatusAndTenant() {
        assertThat(after.sum("shardflow_jobs_submitted_total", "tenant", TENANT, "type", "INFERENCE"))
                .isEqualTo(3);
        assertThat(after.sum("shardflow_jobs_submitted_total", "tenant", TENANT, "type", "TRAINING"))
                .isEqualTo(2);
        assertThat(after.sum(
                        "shardflow_jobs_finished_total", "tenant", TENANT, "type", "INFERENCE", "status", "SUCCEEDED"))
                .isEqualTo(3);
        assertThat(after.sum(
                        "shardflow_jobs_finished_total", "tenant", TENANT, "type", "TRAINING", "status", "SUCCEEDED"))
                .isEqualTo(1);
        assertThat(after.sum("shardflow_jobs_finished_total", "tenant", TENANT, "type", "TRAINING", "status", "FAILED"))
                .isEqualTo(1);
        assertThat(after.matching("shardflow_jobs_finished_total", "tenant", TENANT))
                .as("no job id or other unbounded label")
                .isNotEmpty()
                .allSatisfy(s -> assertThat(s.labels().keySet())
                        .contains("type", "status", "tenant")
                        .isSubsetOf("application", "type", "status", "tenant"));
    }

    @Test
    void durationsAndQueueWaitsAreHistograms() {
        assertThat(grew("shardflow_jobs_duration_seconds_count", "type", "INFERENCE", "status", "SUCCEEDED"))
                .isGreaterThanOrEqualTo(3);
        assertThat(grew(
                        "shardflow_jobs_duration_seconds_bucket",
                        "type",
                        "INFERENCE",
                        "status",
                        "SUCCEEDED",
                        "le",
                        "+Inf"))
                .isGreaterThanOrEqualTo(3);
        // one queue wait a job: only its first shard to run records it
        assertThat(grew("shardflow_jobs_queue_wait_seconds_count", "type", "INFERENCE"))
                .isGreaterThanOrEqualTo(3);
        assertThat(grew("shardflow_jobs_queue_wait_seconds_count", "type", "TRAINING"))
                .isGreaterThanOrEqualTo(2);
        assertThat(after.sum("shardflow_jobs_queue_wait_seconds_max", "type", "INFERENCE"))
                .isPositive();
    }

    @Test
    void shardsAreCountedByKindAndOutcome() {
        assertThat(grew("shardflow_shards_started_total", "kind", "INFER")).isGreaterThanOrEqualTo(6);
        assertThat(grew("shardflow_shards_duration_seconds_count", "kind", "INFER", "outcome", "DONE"))
                .isGreaterThanOrEqualTo(6);
        assertThat(grew("shardflow_shards_started_total", "kind", "GRADIENT"))
                .isGreaterThanOrEqualTo(2 * TRAINING_STEPS / 2);
        assertThat(after.has("shardflow_shards_active")).isTrue();
        assertThat(after.sum("shardflow_lanes")).isEqualTo(2);
        assertThat(after.matching("shardflow_lanes_busy")).hasSize(1);
    }

    @Test
    void trainingModelsAndTheOutboxAreMetered() {
        assertThat(grew("shardflow_training_steps_total", "strategy", "DATA")).isGreaterThanOrEqualTo(TRAINING_STEPS);
        assertThat(grew("shardflow_training_loss_count", "strategy", "DATA")).isGreaterThanOrEqualTo(1);
        assertThat(grew("shardflow_training_step_duration_seconds_count", "strategy", "DATA"))
                .isGreaterThanOrEqualTo(1);
        // the model is new: some lane loaded it
        assertThat(grew("shardflow_models_cache_misses_total", "cache", "dense"))
                .isGreaterThanOrEqualTo(1);
        assertThat(grew("shardflow_outbox_published_total", "topic", "shardflow.shard-tasks"))
                .isGreaterThanOrEqualTo(6 + 2);
        assertThat(grew("shardflow_outbox_relay_delay_seconds_count")).isPositive();
        assertThat(after.sum("shardflow_outbox_backlog")).isGreaterThanOrEqualTo(0);
        assertThat(after.has("shardflow_jobs_active")).isTrue();
        assertThat(after.has("shardflow_generation_kv_slots_used")).isTrue();
    }

    @Test
    void theConnectionPoolKafkaClientsAndTheJvmAreThere() {
        assertThat(after.sum("hikaricp_connections_max")).isPositive();
        assertThat(after.names()).anyMatch(n -> n.startsWith("kafka_consumer_fetch_manager_records_lag"));
        assertThat(after.names()).anyMatch(n -> n.startsWith("kafka_producer_"));
        assertThat(after.has("jvm_memory_used_bytes")).isTrue();
        assertThat(after.has("http_server_requests_seconds_count")).isTrue();
    }

    /** Each listener's records are timed by its observation, with the topic and consumer group as labels. */
    @Test
    void listenersAreTimedByTopic() {
        assertThat(grew("spring_kafka_listener_seconds_count", "messaging_source_name", "shardflow.shard-results"))
                .isPositive();
        assertThat(grew("spring_kafka_listener_seconds_count", "messaging_source_name", "shardflow.jobs"))
                .isPositive();
        assertThat(after.matching("spring_kafka_listener_seconds_count"))
                .allSatisfy(series -> assertThat(series.labels()).containsKey("messaging_kafka_consumer_group"));
    }

    /**
     * Every metric the Grafana dashboard ({@code docker/grafana/dashboards/shardflow.json}) queries is one the
     * platform exports after this workload: a renamed meter breaks this test, not the dashboard in silence.
     */
    @Test
    void everyMetricTheGrafanaDashboardQueriesIsExported() throws Exception {
        var file = Path.of(System.getProperty("shardflow.jars", ".."), "docker/grafana/dashboards/shardflow.json");
        var dashboard = Api.JSON.readTree(Files.readString(file));
        var queried = new TreeSet<String>();
        for (var panel : dashboard.get("panels")) {
            assertThat(panel.get("targets")).as(panel.get("title").asString()).isNotEmpty();
            for (var target : panel.get("targets")) {
                var metrics = metricsIn(target.get("expr").asString());
                assertThat(metrics).as(target.get("expr").asString()).isNotEmpty();
                queried.addAll(metrics);
            }
        }
        assertThat(after.names()).containsAll(queried);
        assertThat(queried)
                .contains(
                        "shardflow_jobs_active",
                        "shardflow_jobs_finished_total",
                        "shardflow_jobs_queue_wait_seconds_bucket",
                        "shardflow_jobs_duration_seconds_bucket",
                        "shardflow_lanes_busy",
                        "shardflow_shards_failed_total",
                        "shardflow_shards_retried_total",
                        "shardflow_kafka_consumer_lag",
                        "shardflow_generation_tokens_total");
    }

    private static final Set<String> PROMQL = Set.of(
            "sum",
            "max",
            "min",
            "avg",
            "count",
            "rate",
            "irate",
            "increase",
            "histogram_quantile",
            "by",
            "without",
            "on",
            "ignoring",
            "and",
            "or",
            "unless",
            "topk",
            "bottomk",
            "clamp_min",
            "clamp_max",
            "abs");

    /** The metric names a PromQL expression reads: what is left once label matchers, ranges and functions go. */
    static Set<String> metricsIn(String expr) {
        String bare = expr.replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("(by|without|on|ignoring) *\\([^)]*\\)", " ")
                .replaceAll("\"[^\"]*\"", " ");
        var names = new TreeSet<String>();
        var identifiers = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*").matcher(bare);
        while (identifiers.find()) {
            if (!PROMQL.contains(identifiers.group())) {
                names.add(identifiers.group());
            }
        }
        return names;
    }

    @Test
    void onlyAnAdminOrTheScrapeTokenReadsTheMeters() {
        assertThat(admin.withKey(null).get("/actuator/prometheus").status()).isEqualTo(401);
        assertThat(tenant.get("/actuator/prometheus").status()).isEqualTo(403);
        assertThat(admin.withKey("not-the-token-" + "x".repeat(20))
                        .get("/actuator/prometheus")
                        .status())
                .isEqualTo(401);
        var scraper = admin.withKey(TestPlatform.SCRAPE_TOKEN);
        assertThat(scraper.get("/actuator/prometheus").status()).isEqualTo(200);
        // the token is no API key: it opens the meters and nothing else
        assertThat(scraper.get("/actuator/metrics").status()).isEqualTo(401);
        assertThat(scraper.get("/api/v1/jobs").status()).isEqualTo(401);
        assertThat(scraper.get("/actuator/prometheus/").status()).isIn(401, 404);
    }
}
