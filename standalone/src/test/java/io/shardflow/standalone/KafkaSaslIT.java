package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.assertOutputs;
import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static io.shardflow.standalone.Fixtures.inferenceJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.shardflow.core.messaging.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * With {@code shardflow.local.kafka-sasl=true} the embedded broker lets in only its user: a producer without
 * credentials, or with a wrong password, cannot write to a Shardflow topic; one with the settings in
 * {@code connection.properties} publishes a job request, and the services in the JVM, signed in the same way, run the
 * job. The broker is out of other machines' reach. A folder whose broker ran without SASL takes it on a later start.
 */
class KafkaSaslIT {

    @Test
    void onlyTheUserInTheConnectionFileGetsInAndThePlatformRunsSignedIn() throws Exception {
        var dataDir = TestPlatform.tempDirectory();
        try (var platform = ShardflowStandalone.start(TestPlatform.embedded(
                dataDir,
                "--shardflow.local.kafka-sasl=true",
                "--server.port=0",
                "--shardflow.worker.lanes=1",
                "--spring.main.banner-mode=off"))) {
            var client = kafkaClient(TestPlatform.connectionFile(platform));
            assertThat(client)
                    .containsEntry("security.protocol", "SASL_PLAINTEXT")
                    .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
            assertThat(Files.getPosixFilePermissions(dataDir.resolve(ShardflowStandalone.KAFKA_PASSWORD)))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));

            var anonymous = new Properties();
            anonymous.put("bootstrap.servers", client.getProperty("bootstrap.servers"));
            assertThat(causes(sendFails(anonymous))).anyMatch(TimeoutException.class::isInstance);
            var wrong = new Properties();
            wrong.putAll(client);
            wrong.put(
                    "sasl.jaas.config", client.getProperty("sasl.jaas.config").replace("password=\"", "password=\"x"));
            assertThat(causes(sendFails(wrong))).anyMatch(SaslAuthenticationException.class::isInstance);

            var api = TestPlatform.api(platform);
            var table = Fixtures.randomTable(91, 40, List.of("x", "y"));
            var model = Fixtures.randomDense(92, 2, 2);
            var datasetId = created(api.postCsv("/api/v1/datasets?name=signed-in", table.csv()));
            var modelId = created(api.postJson("/api/v1/models", model.linearRequest("signed-in")));
            var requestId = "req-sasl-" + UUID.randomUUID();
            var binding = api.postJson(
                    "/api/v1/intake-bindings", java.util.Map.of("source", "/pipelines/nightly", "tenant", "default"));
            assertThat(binding.status()).as(binding.text()).isEqualTo(201);
            try (var producer = producer(client)) {
                producer.send(new ProducerRecord<>(
                                Topics.JOB_REQUESTS,
                                requestId,
                                KafkaIntakeIT.structured(
                                        requestId,
                                        "io.shardflow.job.requested",
                                        requestId,
                                        inferenceJob(modelId, datasetId, List.of("x", "y"), 2))))
                        .get(30, TimeUnit.SECONDS);
            }
            var jdbc = platform.context().getBean(JdbcClient.class);
            var jobId = await().atMost(Duration.ofSeconds(60))
                    .until(
                            () -> jdbc.sql("select id::text from jobs where idempotency_key = ?")
                                    .param(requestId)
                                    .query(String.class)
                                    .optional(),
                            java.util.Optional::isPresent)
                    .orElseThrow();
            awaitStatus(api, jobId, "SUCCEEDED");
            assertOutputs(api.get("/api/v1/jobs/" + jobId + "/result").json(), table, List.of("x", "y"), model);

            var bootstrap = client.getProperty("bootstrap.servers");
            LocalNetwork.assertNotReachableFromOutside(
                    Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1)));
        }
    }

    @Test
    void aBrokerStartedWithoutSaslLetsInOnlyItsUserOnceItIsOn() throws Exception {
        var directory = TestPlatform.tempDirectory().resolve("kafka");
        int port = TestPlatform.freePort();
        try (var open = EmbeddedKafkaBroker.start(directory, LocalAddress.LOOPBACK, port, 1, null)) {
            var anonymous = new Properties();
            anonymous.put("bootstrap.servers", open.bootstrapServers());
            send(anonymous, "before");
        }
        var sasl = new KafkaSasl(KafkaSasl.USERNAME, SecretFile.generate());
        try (var signing = EmbeddedKafkaBroker.start(directory, LocalAddress.LOOPBACK, port, 1, sasl)) {
            var client = new Properties();
            client.put("bootstrap.servers", signing.bootstrapServers());
            client.putAll(sasl.clientProperties());
            send(client, "after");
            var anonymous = new Properties();
            anonymous.put("bootstrap.servers", signing.bootstrapServers());
            assertThat(causes(sendFails(anonymous))).anyMatch(TimeoutException.class::isInstance);
        }
    }

    private static void send(Properties client, String value) throws Exception {
        try (var producer = producer(client)) {
            producer.send(new ProducerRecord<>(Topics.JOB_EVENTS, value, value.getBytes(StandardCharsets.UTF_8)))
                    .get(30, TimeUnit.SECONDS);
        }
    }

    /** The Kafka client settings in a connection file, as Spring Boot hands them to a client. */
    private static Properties kafkaClient(Properties connection) {
        var client = new Properties();
        client.put("bootstrap.servers", connection.getProperty("spring.kafka.bootstrap-servers"));
        client.put("security.protocol", connection.getProperty("spring.kafka.security.protocol"));
        for (var key : connection.stringPropertyNames()) {
            if (key.startsWith("spring.kafka.properties.")) {
                client.put(key.substring("spring.kafka.properties.".length()), connection.getProperty(key));
            }
        }
        return client;
    }

    private static KafkaProducer<String, byte[]> producer(Properties settings) {
        return producer(settings, 30_000);
    }

    /** A producer that gives up on a broker that has not let it in after {@code patienceMillis}. */
    private static KafkaProducer<String, byte[]> producer(Properties settings, int patienceMillis) {
        var p = new Properties();
        p.putAll(settings);
        p.put("max.block.ms", Integer.toString(patienceMillis));
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** What sending a record to the job requests fails with. */
    private static Throwable sendFails(Properties settings) {
        var thrown = catchThrowable(() -> {
            try (var producer = producer(settings, 3000)) {
                producer.send(new ProducerRecord<>(
                                Topics.JOB_REQUESTS, "intruder", "{}".getBytes(StandardCharsets.UTF_8)))
                        .get(20, TimeUnit.SECONDS);
            }
        });
        assertThat(thrown)
                .as("the broker took a record from a client that did not sign in")
                .isNotNull();
        return thrown;
    }

    private static Stream<Throwable> causes(Throwable thrown) {
        return Stream.iterate(thrown, Objects::nonNull, Throwable::getCause);
    }
}
