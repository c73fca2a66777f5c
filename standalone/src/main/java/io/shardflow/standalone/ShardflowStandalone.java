package io.shardflow.standalone;

import io.shardflow.messaging.MessagingSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * One command, one JVM: a real PostgreSQL and a real Kafka broker (KRaft), both keeping their data under
 * {@code --shardflow.data-dir}, then the API, scheduler and worker services wired to them.
 */
public final class ShardflowStandalone implements AutoCloseable {
    private final EmbeddedPostgresServer postgres;
    private final EmbeddedKafkaBroker kafka;
    private final ConfigurableApplicationContext context;

    private ShardflowStandalone(
            EmbeddedPostgresServer postgres, EmbeddedKafkaBroker kafka, ConfigurableApplicationContext context) {
        this.postgres = postgres;
        this.kafka = kafka;
        this.context = context;
    }

    public static void main(String[] args) {
        var running = start(args);
        Runtime.getRuntime().addShutdownHook(new Thread(running::close, "shardflow-shutdown"));
    }

    /** Starts everything; the arguments are Spring Boot's ({@code --server.port=8081} and so on). */
    public static ShardflowStandalone start(String... args) {
        return start(List.of(), args);
    }

    /**
     * Starts everything, with extra initializers for the services' context: a program that embeds the platform
     * registers beans of its own this way (tests put a clock they control in place of the system clock).
     */
    public static ShardflowStandalone start(List<ApplicationContextInitializer<?>> initializers, String... args) {
        var env = new StandardEnvironment();
        env.getPropertySources().addFirst(new SimpleCommandLinePropertySource(args));
        var settings = StandaloneSettings.of(env);
        Path dataDir = settings.dataDir().toAbsolutePath();
        int partitions = Binder.get(env)
                .bindOrCreate("shardflow.messaging", MessagingSettings.class)
                .partitions();

        var postgres = EmbeddedPostgresServer.start(
                dataDir.resolve("postgres"), settings.local().postgresPort());
        EmbeddedKafkaBroker kafka = null;
        try {
            kafka = EmbeddedKafkaBroker.start(
                    dataDir.resolve("kafka"), settings.local().kafkaPort(), partitions);
            var local = Map.<String, Object>of(
                    "spring.datasource.url",
                    postgres.jdbcUrl(),
                    "spring.datasource.username",
                    "postgres",
                    "spring.datasource.password",
                    "",
                    "spring.kafka.bootstrap-servers",
                    kafka.bootstrapServers());
            var app = new SpringApplication(StandaloneApplication.class);
            app.setRegisterShutdownHook(false);
            app.addInitializers(ctx -> ctx.getEnvironment()
                    .getPropertySources()
                    .addFirst(new MapPropertySource("shardflow-local", local)));
            app.addInitializers(initializers.toArray(ApplicationContextInitializer[]::new));
            return new ShardflowStandalone(postgres, kafka, app.run(args));
        } catch (RuntimeException e) {
            if (kafka != null) {
                kafka.close();
            }
            postgres.close();
            throw e;
        }
    }

    public ConfigurableApplicationContext context() {
        return context;
    }

    public EmbeddedKafkaBroker kafka() {
        return kafka;
    }

    public String jdbcUrl() {
        return postgres.jdbcUrl();
    }

    /** Stops the services first, then the broker, then the database. */
    @Override
    public void close() {
        try {
            context.close();
        } finally {
            try {
                kafka.close();
            } finally {
                postgres.close();
            }
        }
    }
}
