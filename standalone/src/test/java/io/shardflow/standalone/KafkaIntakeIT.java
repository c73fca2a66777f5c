package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.created;
import static io.shardflow.standalone.Fixtures.inferenceJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * A batch pipeline's path: it publishes job requests as CloudEvents (structured and binary), including a
 * duplicate, an invalid one and poison records, and reads back the lifecycle events of its own jobs (by
 * correlation id), the rejection, and the dead letters; the consumer keeps going throughout.
 */
class KafkaIntakeIT {
    private final ShardflowStandalone platform = TestPlatform.shared();
    private final Api api = TestPlatform.api(platform);
    private final String bootstrap = platform.context().getEnvironment().getProperty("spring.kafka.bootstrap-servers");

    private KafkaProducer<String, byte[]> producer() {
        var p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private KafkaConsumer<String, byte[]> consumer(String topic) {
        var p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", "test-" + UUID.randomUUID());
        p.put("auto.offset.reset", "earliest");
        var consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic));
        return consumer;
    }

    /** A job request (or another event) as a structured CloudEvent, as the nightly pipeline publishes it. */
    static byte[] structured(String id, String type, String correlationId, Object data) {
        return structured(id, "/pipelines/nightly", type, correlationId, data);
    }

    private static byte[] structured(String id, String source, String type, String correlationId, Object data) {
        var event = new java.util.LinkedHashMap<String, Object>();
        event.put("specversion", "1.0");
        event.put("id", id);
        event.put("source", source);
        event.put("type", type);
        event.put("datacontenttype", "application/json");
        event.put("correlationid", correlationId);
        event.put("data", data);
        return Api.JSON.writeValueAsBytes(event);
    }

    @Test
    void requestsBecomeJobsAndEventsWhilePoisonGoesToTheDeadLetterTopic() throws Exception {
        var table = Fixtures.randomTable(81, 30, List.of("x", "y"));
        String datasetId = created(api.postCsv("/api/v1/datasets?name=pipeline", table.csv()));
        var model = Fixtures.randomDense(82, 2, 2);
        String modelId = created(api.postJson("/api/v1/models", model.linearRequest("pipeline")));
        var body = inferenceJob(modelId, datasetId, List.of("x", "y"), 2);
        String run = UUID.randomUUID().toString();
        String structuredId = "req-structured-" + run;
        String binaryId = "req-binary-" + run;
        String correlation = "nightly-" + run;
        // the pipeline's events act for the tenant an ADMIN bound their source to (the prefix /pipelines/nightly)
        var binding =
                api.postJson("/api/v1/intake-bindings", Map.of("source", "/pipelines/nightly", "tenant", "default"));
        assertThat(binding.status()).as(binding.text()).isEqualTo(201);

        try (var producer = producer()) {
            producer.send(new ProducerRecord<>(
                            "shardflow.job-requests",
                            structuredId,
                            structured(structuredId, "io.shardflow.job.requested", correlation, body)))
                    .get();
            // a replay of the same record must not make a second job
            producer.send(new ProducerRecord<>(
                            "shardflow.job-requests",
                            structuredId,
                            structured(structuredId, "io.shardflow.job.requested", correlation, body)))
                    .get();
            // poison: not JSON at all, and a CloudEvent of another type
            producer.send(new ProducerRecord<>(
                            "shardflow.job-requests", "poison-" + run, "{not json".getBytes(StandardCharsets.UTF_8)))
                    .get();
            producer.send(new ProducerRecord<>(
                            "shardflow.job-requests",
                            "other-" + run,
                            structured("other-" + run, "io.example.other", correlation, Map.of())))
                    .get();
            // an invalid request: its model does not exist
            var invalid = inferenceJob(UUID.randomUUID().toString(), datasetId, List.of("x", "y"), 2);
            producer.send(new ProducerRecord<>(
                            "shardflow.job-requests",
                            "req-invalid-" + run,
                            structured("req-invalid-" + run, "io.shardflow.job.requested", correlation, invalid)))
                    .get();
            // from a source no ADMIN bound: rejected, whatever it asks
            producer.send(new ProducerRecord<>(
                            "shardflow.job-requests",
                            "req-unbound-" + run,
                            structured(
                                    "req-unbound-" + run,
                                    "/elsewhere/" + run,
                                    "io.shardflow.job.requested",
                                    correlation,
                                    body)))
                    .get();
            // binary mode, after the poison: the consumer went on
            var binary = new ProducerRecord<String, byte[]>(
                    "shardflow.job-requests", binaryId, Api.JSON.writeValueAsBytes(body));
            binary.headers()
                    .add("ce_specversion", "1.0".getBytes())
                    .add("ce_id", binaryId.getBytes())
                    .add("ce_source", "/pipelines/nightly".getBytes())
                    .add("ce_type", "io.shardflow.job.requested".getBytes())
                    .add("ce_correlationid", correlation.getBytes())
                    .add("content-type", "application/json".getBytes());
            producer.send(binary).get();
        }

        var mine = new ArrayList<JsonNode>();
        try (var events = consumer("shardflow.job-events")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, byte[]> r : events.poll(Duration.ofMillis(200))) {
                    var event = Api.JSON.readTree(r.value());
                    if (correlation.equals(event.path("correlationid").asString(null))) {
                        mine.add(event);
                    }
                }
                return mine.stream()
                                        .filter(e -> e.get("type").asString().equals("io.shardflow.job.succeeded"))
                                        .count()
                                == 2
                        && mine.stream()
                                        .filter(e -> e.get("type").asString().equals("io.shardflow.job.rejected"))
                                        .count()
                                == 2;
            });
        }
        var types = mine.stream().map(e -> e.get("type").asString()).toList();
        assertThat(types.stream().filter("io.shardflow.job.queued"::equals))
                .as("one job per request id")
                .hasSize(2);
        assertThat(types).contains("io.shardflow.job.running");
        var rejected = mine.stream()
                .filter(e -> e.get("type").asString().equals("io.shardflow.job.rejected"))
                .filter(e -> e.get("subject").asString().equals("req-invalid-" + run))
                .findFirst()
                .orElseThrow();
        var unbound = mine.stream()
                .filter(e -> e.get("type").asString().equals("io.shardflow.job.rejected"))
                .filter(e -> e.get("subject").asString().equals("req-unbound-" + run))
                .findFirst()
                .orElseThrow();
        assertThat(unbound.get("data").get("field").asString()).isEqualTo("source");
        assertThat(unbound.get("data").get("reason").asString()).contains("bound to no tenant");
        assertThat(rejected.get("subject").asString()).isEqualTo("req-invalid-" + run);
        assertThat(rejected.get("data").get("field").asString()).isEqualTo("model.id");
        assertThat(rejected.get("data").get("reason").asString()).contains("does not exist");
        var succeeded = mine.stream()
                .filter(e -> e.get("type").asString().equals("io.shardflow.job.succeeded"))
                .toList();
        for (var event : succeeded) {
            String jobId = event.get("subject").asString();
            Fixtures.assertOutputs(
                    api.get("/api/v1/jobs/" + jobId + "/result").json(), table, List.of("x", "y"), model);
        }
        var jdbc = platform.context().getBean(JdbcClient.class);
        assertThat(jdbc.sql("select count(*) from jobs where idempotency_key in (?, ?)")
                        .params(structuredId, binaryId)
                        .query(Integer.class)
                        .single())
                .isEqualTo(2);

        var dead = new ArrayList<ConsumerRecord<String, byte[]>>();
        try (var letters = consumer("shardflow.job-requests.DLT")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (var r : letters.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && r.key().endsWith(run)) {
                        dead.add(r);
                    }
                }
                return dead.size() == 2;
            });
        }
        var reasons = dead.stream()
                .map(r -> new String(
                        r.headers().lastHeader("kafka_dlt-exception-message").value(), StandardCharsets.UTF_8))
                .toList();
        assertThat(reasons).anyMatch(m -> m.contains("not a CloudEvent"));
        assertThat(reasons).anyMatch(m -> m.contains("'io.example.other' is not io.shardflow.job.requested"));
        assertThat(dead).extracting(ConsumerRecord::key).containsExactlyInAnyOrder("poison-" + run, "other-" + run);
    }
}
