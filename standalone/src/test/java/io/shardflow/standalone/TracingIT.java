package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static io.shardflow.standalone.Fixtures.inferenceJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardflow.standalone.ServiceProcess.Kind;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * One job, one trace, across processes: the API in this JVM, a scheduler and a worker as JVMs of their own, each
 * exporting its spans by OTLP to a receiver here ({@code management.otlp.tracing.endpoint}). A job submitted with a
 * W3C {@code traceparent} (REST) or a CloudEvents {@code traceparent} extension (Kafka) has spans from all three
 * services in the caller's trace, with a span per shard, and its lifecycle events carry that trace.
 */
class TracingIT {
    private static final List<String> FEATURES = List.of("a", "b", "c");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static OtlpReceiver receiver;
    private static ShardflowStandalone platform;
    private static Api api;
    private static final List<ServiceProcess> services = new ArrayList<>();
    private static String modelId;
    private static String datasetId;

    @BeforeAll
    static void start() {
        receiver = OtlpReceiver.start();
        var export = new String[] {
            "--management.otlp.tracing.endpoint=" + receiver.endpoint(),
            // spans leave in small batches, soon: the test waits for them
            "--management.opentelemetry.tracing.export.schedule-delay=200ms"
        };
        var dataDir = TestPlatform.tempDirectory();
        var settings = new ArrayList<>(
                List.of("--server.port=0", "--shardflow.standalone.services=api", "--spring.main.banner-mode=off"));
        settings.addAll(List.of(export));
        platform = ShardflowStandalone.start(TestPlatform.arguments(dataDir, settings.toArray(String[]::new)));
        api = TestPlatform.api(platform);
        services.add(
                ServiceProcess.start("trace-scheduler", Kind.SCHEDULER, platform.connectionFile(), dataDir, export));
        services.add(ServiceProcess.start("trace-worker", Kind.WORKER, platform.connectionFile(), dataDir, export));
        services.forEach(ServiceProcess::awaitReady);
        var jdbc = platform.context().getBean(JdbcClient.class);
        await().atMost(Duration.ofMinutes(1))
                .until(() -> jdbc.sql("select count(*) from lanes where ready")
                                .query(Long.class)
                                .single()
                        > 0);
        var table = Fixtures.randomTable(91, 40, FEATURES);
        datasetId = created(api.postCsv("/api/v1/datasets?name=traced", table.csv()));
        modelId = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(92, 3, 2).linearRequest("traced")));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        for (var service : services) {
            service.close();
        }
        if (platform != null) {
            platform.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    private static String randomHex(int bytes) {
        var id = new byte[bytes];
        new Random().nextBytes(id);
        return HexFormat.of().formatHex(id);
    }

    @Test
    void aRestJobWithATraceparentIsOneTraceAcrossTheApiTheSchedulerAndTheWorker() throws Exception {
        String traceId = randomHex(16);
        String caller = randomHex(8);
        var request = HttpRequest.newBuilder(URI.create(api.base() + "/api/v1/jobs"))
                .header("Authorization", "Bearer " + api.key())
                .header("Content-Type", "application/json")
                .header("traceparent", "00-" + traceId + "-" + caller + "-01")
                .POST(HttpRequest.BodyPublishers.ofString(
                        Api.JSON.writeValueAsString(inferenceJob(modelId, datasetId, FEATURES, 2))))
                .build();
        var response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        String jobId = Api.JSON.readTree(response.body()).get("id").asString();
        awaitStatus(api, jobId, "SUCCEEDED");

        var spans = awaitSpans(traceId, Set.of("shardflow", "trace-scheduler", "trace-worker"));
        System.out.println("the trace of job " + jobId + ":\n" + tree(spans, caller, ""));
        // the API's span for the request is the caller's child; a span per shard on the worker
        assertThat(spans).anySatisfy(s -> {
            assertThat(s.service()).isEqualTo("shardflow");
            assertThat(s.parentId()).isEqualTo(caller);
        });
        assertThat(spans.stream()
                        .filter(s ->
                                s.service().equals("trace-worker") && s.name().equals("shard INFER"))
                        .count())
                .as(describe(spans))
                .isEqualTo(2);
        assertThat(spans).as(describe(spans)).anySatisfy(s -> {
            assertThat(s.service()).isEqualTo("trace-scheduler");
            assertThat(s.name()).contains("shardflow.jobs");
        });
        // every span but the caller's child has its parent in the trace: one tree
        var ids = spans.stream().map(OtlpReceiver.Span::spanId).collect(Collectors.toSet());
        assertThat(spans)
                .as(describe(spans))
                .allSatisfy(s -> assertThat(s.parentId())
                        .isIn(ids.stream()
                                .collect(Collectors.toCollection(() -> new java.util.HashSet<>(Set.of(caller))))));

        // the lifecycle events of the job carry the caller's trace
        var events = events(jobId, 3);
        assertThat(events).extracting(e -> e.path("type").asString()).contains("io.shardflow.job.succeeded");
        assertThat(events)
                .allSatisfy(e -> assertThat(e.path("traceparent").asString()).startsWith("00-" + traceId + "-"));
    }

    @Test
    void aKafkaRequestWithTheCloudEventsTraceExtensionContinuesItsTrace() throws Exception {
        String traceId = randomHex(16);
        String pipeline = randomHex(8);
        var binding =
                api.postJson("/api/v1/intake-bindings", Map.of("source", "/pipelines/traced", "tenant", "default"));
        assertThat(binding.status()).as(binding.text()).isEqualTo(201);
        String eventId = "traced-" + UUID.randomUUID();
        var event = new LinkedHashMap<String, Object>();
        event.put("specversion", "1.0");
        event.put("id", eventId);
        event.put("source", "/pipelines/traced");
        event.put("type", "io.shardflow.job.requested");
        event.put("datacontenttype", "application/json");
        event.put("correlationid", eventId);
        event.put("traceparent", "00-" + traceId + "-" + pipeline + "-01");
        event.put("data", inferenceJob(modelId, datasetId, FEATURES, 2));
        try (var producer = producer()) {
            producer.send(new ProducerRecord<>("shardflow.job-requests", eventId, Api.JSON.writeValueAsBytes(event)))
                    .get();
        }

        var spans = awaitSpans(traceId, Set.of("shardflow", "trace-scheduler", "trace-worker"));
        assertThat(spans).as(describe(spans)).anySatisfy(s -> {
            assertThat(s.service()).isEqualTo("shardflow");
            assertThat(s.name()).isEqualTo("job request");
            assertThat(s.parentId()).isEqualTo(pipeline);
        });
        assertThat(spans)
                .as(describe(spans))
                .anySatisfy(s -> assertThat(s.name()).isEqualTo("shard INFER"));
    }

    private static List<OtlpReceiver.Span> awaitSpans(String traceId, Set<String> services) {
        try {
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> receiver.trace(traceId).stream()
                                    .map(OtlpReceiver.Span::service)
                                    .collect(Collectors.toSet())
                                    .containsAll(services)
                            && receiver.trace(traceId).stream()
                                    .anyMatch(s -> s.name().startsWith("shard ")));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(
                    "no spans of trace " + traceId + " from each of " + services + "; " + receiver.summary(), e);
        }
        // what is still on its way (the last merge's spans) comes with the next export
        try {
            Thread.sleep(1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return receiver.trace(traceId);
    }

    /** The spans under {@code parent}, one a line, indented by depth, with the service that made each. */
    private static String tree(List<OtlpReceiver.Span> spans, String parent, String indent) {
        var out = new StringBuilder();
        for (var span : spans) {
            if (span.parentId().equals(parent)) {
                out.append(indent)
                        .append(span.name())
                        .append("  [")
                        .append(span.service())
                        .append("]\n");
                out.append(tree(spans, span.spanId(), indent + "  "));
            }
        }
        return out.toString();
    }

    private static String describe(List<OtlpReceiver.Span> spans) {
        return spans.stream()
                .map(s -> s.service() + " " + s.name() + " " + s.spanId() + " <- " + s.parentId())
                .collect(Collectors.joining("\n"));
    }

    private static String bootstrap() {
        return platform.context().getEnvironment().getProperty("spring.kafka.bootstrap-servers");
    }

    private static KafkaProducer<String, byte[]> producer() {
        var p = new Properties();
        p.put("bootstrap.servers", bootstrap());
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** The job's lifecycle events on {@code shardflow.job-events}, once at least {@code count} have come. */
    private static List<JsonNode> events(String jobId, int count) {
        var p = new Properties();
        p.put("bootstrap.servers", bootstrap());
        p.put("group.id", "test-" + UUID.randomUUID());
        p.put("auto.offset.reset", "earliest");
        var found = new ArrayList<JsonNode>();
        try (var consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of("shardflow.job-events"));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (var record : consumer.poll(Duration.ofMillis(200))) {
                    if (jobId.equals(record.key())) {
                        found.add(Api.JSON.readTree(record.value()));
                    }
                }
                return found.size() >= count;
            });
        }
        return found;
    }
}
