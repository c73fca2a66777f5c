package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.created;
import static io.shardflow.standalone.Fixtures.inferenceJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import io.shardflow.db.jobs.JobRepository;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * A job request from Kafka for a tenant at its {@code maxQueuedJobs} is rejected like a request over any other limit:
 * a {@code io.shardflow.job.rejected} event naming the quota, no job, no dead letter, and the consumer goes on. The
 * same event sent again once the tenant has room becomes a job (its id is the idempotency key, and nothing of the
 * rejected one was kept). The tenant's open job is held in PLANNING, where no sweeper moves it, so that the count
 * does not depend on how fast jobs run.
 */
class QuotaIntakeIT {
    private final ShardflowStandalone platform = TestPlatform.shared();
    private final Api admin = TestPlatform.api(platform);
    private final JdbcClient jdbc = platform.context().getBean(JdbcClient.class);
    private final String bootstrap = platform.connection().bootstrapServers();

    private static byte[] request(String id, String source, String correlation, Object data) {
        var event = new java.util.LinkedHashMap<String, Object>();
        event.put("specversion", "1.0");
        event.put("id", id);
        event.put("source", source);
        event.put("type", "io.shardflow.job.requested");
        event.put("datacontenttype", "application/json");
        event.put("correlationid", correlation);
        event.put("data", data);
        return Api.JSON.writeValueAsBytes(event);
    }

    private void send(String id, byte[] value) throws Exception {
        var p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        try (var producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("shardflow.job-requests", id, value))
                    .get();
        }
    }

    private long jobsWithKey(String tenant, String key) {
        return jdbc.sql("select count(*) from jobs where tenant = ? and idempotency_key = ?")
                .params(tenant, key)
                .query(Long.class)
                .single();
    }

    @Test
    void aRequestOverTheQuotaIsRejectedNamingItAndMakesAJobWhenSentAgainWithRoom() throws Exception {
        String run = UUID.randomUUID().toString();
        String tenant = "quota-intake-" + run.substring(0, 8);
        var api = admin.as(tenant, "SUBMITTER");
        var table = Fixtures.randomTable(61, 12, List.of("a", "b"));
        String datasetId = created(api.postCsv("/api/v1/datasets?name=quota", table.csv()));
        String modelId = created(
                api.postJson("/api/v1/models", Fixtures.randomDense(62, 2, 2).linearRequest("quota")));
        var body = inferenceJob(modelId, datasetId, List.of("a", "b"), 1);
        String source = "/pipelines/quota-" + run;
        assertThat(admin.postJson("/api/v1/intake-bindings", Map.of("source", source, "tenant", tenant))
                        .status())
                .isEqualTo(201);
        var put = admin.send("PUT", "/api/v1/tenants/" + tenant + "/quota", Map.of("maxQueuedJobs", 1, "weight", 1));
        assertThat(put.status()).as(put.text()).isEqualTo(200);
        var held = holdOpenJob(tenant, modelId, datasetId);
        String id = "req-quota-" + run;
        String correlation = "quota-" + run;

        try (var events = consumer("shardflow.job-events")) {
            send(id, request(id, source, correlation, body));
            var rejected = awaitEvent(events, correlation, "io.shardflow.job.rejected");
            assertThat(rejected.get("subject").asString()).isEqualTo(id);
            assertThat(rejected.get("data").get("field").asString()).isEqualTo("maxQueuedJobs");
            assertThat(rejected.get("data").get("reason").asString())
                    .contains("1 jobs not yet ended")
                    .contains("nothing was stored");
            assertThat(jobsWithKey(tenant, id)).isZero();

            // room again: the held job ends, and the same event becomes a job that runs
            assertThat(admin.post("/api/v1/jobs/" + held + "/cancel").status()).isEqualTo(200);
            send(id, request(id, source, correlation, body));
            awaitEvent(events, correlation, "io.shardflow.job.succeeded");
            assertThat(jobsWithKey(tenant, id)).isEqualTo(1);
        }
    }

    /** A job of the tenant in PLANNING, as if the scheduler were planning it now: open until it is cancelled. */
    private UUID holdOpenJob(String tenant, String modelId, String datasetId) {
        var context = platform.context();
        var jobs = context.getBean(JobRepository.class);
        var spec = new JobSpec(
                JobType.INFERENCE,
                new JobSpec.ModelRef(UUID.fromString(modelId)),
                new JobSpec.DatasetRef(UUID.fromString(datasetId), List.of("a", "b")),
                null,
                null,
                null,
                null,
                null,
                null);
        return context.getBean(TransactionTemplate.class).execute(s -> {
            var id = jobs.insert(UUID.randomUUID(), tenant, spec, null);
            assertThat(jobs.transition(id, JobStatus.QUEUED, JobStatus.PLANNING))
                    .isTrue();
            return id;
        });
    }

    private KafkaConsumer<String, byte[]> consumer(String topic) {
        var p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", "test-" + UUID.randomUUID());
        p.put("auto.offset.reset", "latest");
        var consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topic));
        // joined and placed at the end before anything is sent
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            consumer.poll(Duration.ofMillis(100));
            return !consumer.assignment().isEmpty();
        });
        return consumer;
    }

    private static JsonNode awaitEvent(KafkaConsumer<String, byte[]> events, String correlation, String type) {
        var found = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            for (var r : events.poll(Duration.ofMillis(200))) {
                var event = Api.JSON.readTree(r.value());
                if (correlation.equals(event.path("correlationid").asString(null))
                        && type.equals(event.get("type").asString())) {
                    found[0] = event;
                }
            }
            return found[0] != null;
        });
        return found[0];
    }
}
