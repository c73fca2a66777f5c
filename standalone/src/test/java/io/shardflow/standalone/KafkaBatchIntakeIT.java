package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.created;
import static io.shardflow.standalone.Fixtures.inferenceJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
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

/**
 * Job requests that the consumer takes in batches: many at once on one partition (so that they are polled together
 * and in order), with requests repeated within the burst, one id reused with another body, an invalid request and a
 * poison record in the middle. Exactly one job per id; the poison record dead-lettered, the invalid and the reused
 * id rejected; nothing after the poison lost; the whole burst sent again makes no job more.
 */
class KafkaBatchIntakeIT {
    private static final String TOPIC = "shardflow.job-requests";
    private static final int REQUESTS = 60;

    private final ShardflowStandalone platform = TestPlatform.shared();
    private final Api admin = TestPlatform.api(platform);
    private final JdbcClient jdbc = platform.context().getBean(JdbcClient.class);
    private final String bootstrap = platform.connection().bootstrapServers();

    private static byte[] request(String id, String source, String correlation, Object data) {
        var event = new LinkedHashMap<String, Object>();
        event.put("specversion", "1.0");
        event.put("id", id);
        event.put("source", source);
        event.put("type", "io.shardflow.job.requested");
        event.put("datacontenttype", "application/json");
        event.put("correlationid", correlation);
        event.put("data", data);
        return Api.JSON.writeValueAsBytes(event);
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

    /** The tenant's jobs, by idempotency key, with how many each key has. */
    private Map<String, Long> jobsByKey(String tenant) {
        var jobs = new HashMap<String, Long>();
        jdbc.sql("select idempotency_key, count(*) from jobs where tenant = ? group by idempotency_key")
                .param(tenant)
                .query((rs, n) -> jobs.put(rs.getString(1), rs.getLong(2)))
                .list();
        return jobs;
    }

    @Test
    void aBurstWithRepeatsAndPoisonMakesOneJobPerIdAndLosesNothing() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String tenant = "kafka-batch-" + run;
        var api = admin.as(tenant, "SUBMITTER");
        var table = Fixtures.randomTable(71, 1, List.of("a", "b"));
        String datasetId = created(api.postCsv("/api/v1/datasets?name=burst", table.csv()));
        String modelId = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(72, 2, 2).linearRequest("burst")));
        var body = inferenceJob(modelId, datasetId, List.of("a", "b"), 1);
        var otherBody = inferenceJob(modelId, datasetId, List.of("b", "a"), 1);
        var invalid = inferenceJob(UUID.randomUUID().toString(), datasetId, List.of("a", "b"), 1);
        String source = "/pipelines/burst-" + run;
        var binding = admin.postJson("/api/v1/intake-bindings", Map.of("source", source, "tenant", tenant));
        assertThat(binding.status()).as(binding.text()).isEqualTo(201);
        String correlation = "burst-" + run;
        // one record key for all: one partition, polled in order
        String partitionKey = "burst-" + run;

        var burst = new ArrayList<byte[]>();
        byte[] poison = "{not a cloudevent".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < REQUESTS; i++) {
            burst.add(request("req-" + run + "-" + i, source, correlation, body));
            if (i % 10 == 3) {
                // the same request again at once: one batch, one job
                burst.add(request("req-" + run + "-" + i, source, correlation, body));
            }
            if (i == REQUESTS / 2) {
                burst.add(poison);
                burst.add(request("req-" + run + "-invalid", source, correlation, invalid));
                burst.add(request("req-" + run + "-0", source, correlation, otherBody));
            }
        }
        var p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("linger.ms", "20");
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (var value : burst) {
                producer.send(new ProducerRecord<>(TOPIC, partitionKey, value));
            }
            producer.flush();
        }

        var rejected = new HashMap<String, String>();
        try (var events = consumer("shardflow.job-events")) {
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, byte[]> r : events.poll(Duration.ofMillis(200))) {
                    var event = Api.JSON.readTree(r.value());
                    if (correlation.equals(event.path("correlationid").asString(null))
                            && event.get("type").asString().equals("io.shardflow.job.rejected")) {
                        rejected.put(
                                event.get("subject").asString(),
                                event.get("data").get("field").asString());
                    }
                }
                return rejected.size() == 2 && jobsByKey(tenant).size() == REQUESTS;
            });
        }
        assertThat(rejected)
                .containsEntry("req-" + run + "-invalid", "model.id")
                .containsEntry("req-" + run + "-0", "Idempotency-Key");
        var jobs = jobsByKey(tenant);
        assertThat(jobs).hasSize(REQUESTS);
        for (int i = 0; i < REQUESTS; i++) {
            assertThat(jobs).as("one job for request " + i).containsEntry("req-" + run + "-" + i, 1L);
        }

        var dead = new ArrayList<ConsumerRecord<String, byte[]>>();
        try (var letters = consumer("shardflow.job-requests.DLT")) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (var r : letters.poll(Duration.ofMillis(200))) {
                    if (partitionKey.equals(r.key())) {
                        dead.add(r);
                    }
                }
                return !dead.isEmpty();
            });
        }
        assertThat(dead).hasSize(1);
        assertThat(new String(dead.getFirst().value(), StandardCharsets.UTF_8)).isEqualTo("{not a cloudevent");

        // the whole burst again (without the poison), then a last request on the same partition: once it is a job,
        // everything before it has been read, and made nothing new
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (var value : burst) {
                if (value != poison) {
                    producer.send(new ProducerRecord<>(TOPIC, partitionKey, value));
                }
            }
            producer.send(new ProducerRecord<>(
                    TOPIC, partitionKey, request("req-" + run + "-last", source, correlation, body)));
            producer.flush();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> jobsByKey(tenant).containsKey("req-" + run + "-last"));
        var after = jobsByKey(tenant);
        assertThat(after).hasSize(REQUESTS + 1);
        assertThat(after.values()).containsOnly(1L);
    }
}
