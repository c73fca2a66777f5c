package io.shardflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/**
 * How large a job request may be. The intake topic is made with {@code max.message.bytes} = the platform's limit
 * ({@code shardflow.messaging.max-request-size}, 1 MB), so the broker refuses a larger record at once. On a topic that
 * allows more (its limit raised by hand), a larger record arrives: it is rejected with an event that names the limit,
 * whether it is a CloudEvent or not, and the consumer goes on to the next request instead of retrying it. Poison
 * just under the limit still fits on the dead-letter topic with the exception's headers.
 */
class KafkaIntakeLimitIT {
    private static final String TOPIC = "shardflow.job-requests";
    private static final int LIMIT = 1024 * 1024;

    private final ShardflowStandalone platform = TestPlatform.shared();
    private final String bootstrap = platform.connection().bootstrapServers();

    private Properties client() {
        var p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        return p;
    }

    private KafkaProducer<String, byte[]> producer() {
        var p = client();
        p.put("max.request.size", 8 * LIMIT); // the client would refuse these records itself otherwise
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private String topicLimit(Admin admin) throws Exception {
        var topic = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
        return admin.describeConfigs(List.of(topic))
                .all()
                .get()
                .get(topic)
                .get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG)
                .value();
    }

    private void setTopicLimit(Admin admin, int bytes) throws Exception {
        var topic = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
        var set = new AlterConfigOp(
                new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(bytes)),
                AlterConfigOp.OpType.SET);
        admin.incrementalAlterConfigs(Map.of(topic, List.of(set))).all().get();
        await().atMost(Duration.ofSeconds(30)).until(() -> topicLimit(admin).equals(Integer.toString(bytes)));
    }

    /** An inference request whose rows are inline: {@code rows} rows of 8 features, about 150 bytes each. */
    private static Map<String, Object> inlineRequest(int rows) {
        var data = new ArrayList<List<Double>>();
        for (int r = 0; r < rows; r++) {
            var row = new ArrayList<Double>();
            for (int k = 1; k <= 8; k++) {
                row.add(r + k * 0.123456789);
            }
            data.add(row);
        }
        return Map.of(
                "type", "INFERENCE",
                "model", Map.of("id", UUID.randomUUID().toString()),
                "input", Map.of("rows", data));
    }

    /** A job request from a source of this run's own, which no ADMIN bound to a tenant. */
    private static byte[] request(String id, String run, String correlation, Object data) {
        var event = new LinkedHashMap<String, Object>();
        event.put("specversion", "1.0");
        event.put("id", id);
        event.put("source", "/pipelines/limit-" + run);
        event.put("type", "io.shardflow.job.requested");
        event.put("datacontenttype", "application/json");
        event.put("correlationid", correlation);
        event.put("data", data);
        return Api.JSON.writeValueAsBytes(event);
    }

    @Test
    void aRequestOverTheLimitIsRefusedByTheTopicOrRejectedNamingTheLimit() throws Exception {
        String run = UUID.randomUUID().toString();
        String hugeId = "req-huge-" + run;
        String correlation = "huge-" + run;
        byte[] huge = request(hugeId, run, correlation, inlineRequest(10_000));
        assertThat(huge.length).isBetween(LIMIT + 1, 3 * LIMIT);
        byte[] garbage = new byte[LIMIT + 1000];
        Arrays.fill(garbage, (byte) 'x');
        // poison just under the limit: its dead letter, with the exception's headers, is over it
        byte[] poison = Arrays.copyOf(garbage, LIMIT - 2000);
        String small = "req-small-" + run;

        try (var admin = Admin.create(client());
                var producer = producer()) {
            assertThat(topicLimit(admin))
                    .as("the topic is made with the platform's limit")
                    .isEqualTo(Integer.toString(LIMIT));
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(TOPIC, hugeId, huge))
                            .get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(RecordTooLargeException.class);

            setTopicLimit(admin, 4 * LIMIT);
            try {
                producer.send(new ProducerRecord<>(TOPIC, hugeId, huge)).get();
                producer.send(new ProducerRecord<>(TOPIC, "garbage-" + run, garbage))
                        .get();
                producer.send(new ProducerRecord<>(TOPIC, "poison-" + run, poison))
                        .get();
                // a small request after them: the consumer went on (its source is bound to no tenant: rejected)
                producer.send(new ProducerRecord<>(TOPIC, small, request(small, run, correlation, Map.of())))
                        .get();
            } finally {
                setTopicLimit(admin, LIMIT);
            }
        }

        var rejected = new HashMap<String, JsonNode>();
        var p = client();
        p.put("group.id", "test-" + run);
        p.put("auto.offset.reset", "earliest");
        try (var events = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            events.subscribe(List.of("shardflow.job-events"));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (var r : events.poll(Duration.ofMillis(200))) {
                    var event = Api.JSON.readTree(r.value());
                    if (event.get("type").asString().equals("io.shardflow.job.rejected")
                            && event.get("subject").asString().endsWith(run)) {
                        rejected.put(event.get("subject").asString(), event);
                    }
                }
                return rejected.size() == 3;
            });
        }

        var hugeRejection = rejected.get(hugeId);
        assertThat(hugeRejection.get("correlationid").asString()).isEqualTo(correlation);
        assertThat(hugeRejection.get("data").get("field").asString()).isEqualTo("data");
        assertThat(hugeRejection.get("data").get("reason").asString())
                .contains("the request is " + huge.length + " bytes")
                .contains("over the limit of " + LIMIT + " bytes (shardflow.messaging.max-request-size)")
                .contains("POST /api/v1/datasets");
        assertThat(rejected.get("garbage-" + run).get("data").get("reason").asString())
                .contains("the request is " + garbage.length + " bytes, over the limit of " + LIMIT);
        assertThat(rejected.get(small).get("data").get("field").asString()).isEqualTo("source");
        var dead = new ArrayList<String>();
        var d = client();
        d.put("group.id", "test-dead-" + run);
        d.put("auto.offset.reset", "earliest");
        try (var letters = new KafkaConsumer<>(d, new StringDeserializer(), new ByteArrayDeserializer())) {
            letters.subscribe(List.of(TOPIC + ".DLT"));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (var r : letters.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && r.key().endsWith(run)) {
                        dead.add(r.key() + " " + r.value().length);
                    }
                }
                return !dead.isEmpty();
            });
        }
        assertThat(dead)
                .as("the poison under the limit is a dead letter, whole; the records over it are not")
                .containsExactly("poison-" + run + " " + poison.length);
        assertThat(platform.context()
                        .getBean(JdbcClient.class)
                        .sql("select count(*) from jobs where idempotency_key = ?")
                        .param(hugeId)
                        .query(Integer.class)
                        .single())
                .isZero();
    }
}
