package io.shardflow.db;

import java.util.Locale;
import java.util.function.BooleanSupplier;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Where the integration tests take PostgreSQL and Kafka from, decided once per test JVM: containers started by
 * Testcontainers when a Docker engine answers, the embedded servers (zonky's PostgreSQL, Kafka in the JVM) otherwise.
 * {@code -Dshardflow.test.infrastructure} (or {@code SHARDFLOW_TEST_INFRASTRUCTURE}) set to {@code containers} or
 * {@code embedded} forces one; {@code auto} is the default. The choice is printed, so a test log says which it ran on.
 */
public enum TestInfrastructure {
    /** PostgreSQL and Kafka in containers (Testcontainers). */
    CONTAINERS,
    /** The embedded servers. */
    EMBEDDED;

    public static final String SETTING = "shardflow.test.infrastructure";
    static final String POSTGRES_IMAGE = "postgres:17-alpine";
    static final String KAFKA_IMAGE = "apache/kafka:4.1.0";

    private static TestInfrastructure current;

    /** The choice for {@code setting} ({@code auto}, {@code containers} or {@code embedded}). */
    static TestInfrastructure choose(String setting, BooleanSupplier dockerAvailable) {
        return switch (setting.strip().toLowerCase(Locale.ROOT)) {
            case "", "auto" -> dockerAvailable.getAsBoolean() ? CONTAINERS : EMBEDDED;
            case "embedded" -> EMBEDDED;
            case "containers" -> {
                if (!dockerAvailable.getAsBoolean()) {
                    throw new IllegalStateException(SETTING + "=containers, but no Docker engine answers (DOCKER_HOST,"
                            + " /var/run/docker.sock); unset it to use the embedded servers");
                }
                yield CONTAINERS;
            }
            default ->
                throw new IllegalArgumentException(
                        SETTING + " must be auto, containers or embedded; got '" + setting + "'");
        };
    }

    /** This JVM's choice, made (and printed) on first use. */
    public static synchronized TestInfrastructure current() {
        if (current == null) {
            var setting =
                    System.getProperty(SETTING, System.getenv().getOrDefault("SHARDFLOW_TEST_INFRASTRUCTURE", ""));
            current = choose(setting, () -> DockerClientFactory.instance().isDockerAvailable());
            System.out.println(
                    current == CONTAINERS
                            ? "integration tests: PostgreSQL (" + POSTGRES_IMAGE + ") and Kafka (" + KAFKA_IMAGE
                                    + ") from Testcontainers"
                            : "integration tests: embedded PostgreSQL and Kafka (no Docker engine, or " + SETTING
                                    + "=embedded)");
        }
        return current;
    }

    /**
     * A PostgreSQL container of its own, started; only when {@link #CONTAINERS}. Testcontainers removes it when the
     * JVM ends.
     */
    public static PostgreSQLContainer startPostgres() {
        requireContainers();
        var postgres = new PostgreSQLContainer(POSTGRES_IMAGE).withCommand("postgres", "-c", "max_connections=300");
        postgres.start();
        return postgres;
    }

    /** A Kafka broker container (KRaft) of its own, started; only when {@link #CONTAINERS}. */
    public static KafkaContainer startKafka() {
        requireContainers();
        var kafka = new KafkaContainer(KAFKA_IMAGE);
        kafka.start();
        return kafka;
    }

    private static void requireContainers() {
        if (current() != CONTAINERS) {
            throw new IllegalStateException("the integration tests run on the embedded servers here");
        }
    }
}
