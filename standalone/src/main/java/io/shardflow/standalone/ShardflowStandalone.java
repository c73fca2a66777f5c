package io.shardflow.standalone;

import io.shardflow.messaging.MessagingSettings;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.SimpleCommandLinePropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * One command, one JVM: a real PostgreSQL and a real Kafka broker (KRaft), both keeping their data under
 * {@code --shardflow.data-dir}, then the services {@code shardflow.standalone.services} names, wired to them. Given
 * {@code spring.datasource.url} or {@code spring.kafka.bootstrap-servers}, it uses that server instead of starting
 * one; with {@code services=none} it runs only the servers. Either way {@code <data-dir>/connection.properties} says
 * how other processes reach them. The embedded servers listen on {@code shardflow.local.address} and sign clients in
 * with passwords kept under the data folder (see {@link StandaloneSettings.Local}).
 */
public final class ShardflowStandalone implements AutoCloseable {
    /** The embedded PostgreSQL's password, under the data folder. */
    public static final String POSTGRES_PASSWORD = "postgres-password";
    /** The embedded broker's password, under the data folder, with {@code shardflow.local.kafka-sasl=true}. */
    public static final String KAFKA_PASSWORD = "kafka-password";

    private static final Logger log = LoggerFactory.getLogger(ShardflowStandalone.class);
    /** Where the standalone's first start leaves the first ADMIN API key. */
    public static final String ADMIN_KEY_FILE = "admin-api-key";

    /** The embedded PostgreSQL's data folder, under the data folder. */
    private static final String POSTGRES_FOLDER = "postgres";

    private static final String ADMIN_KEY_SETTING = "shardflow.security.admin-key-file";

    private final @Nullable EmbeddedPostgresServer postgres;
    private final @Nullable EmbeddedKafkaBroker kafka;
    private final Connection connection;
    private final Path connectionFile;
    private final @Nullable ConfigurableApplicationContext context;

    private ShardflowStandalone(
            @Nullable EmbeddedPostgresServer postgres,
            @Nullable EmbeddedKafkaBroker kafka,
            Connection connection,
            Path connectionFile,
            @Nullable ConfigurableApplicationContext context) {
        this.postgres = postgres;
        this.kafka = kafka;
        this.connection = connection;
        this.connectionFile = connectionFile;
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
        QuietServers.apply(env);
        var settings = StandaloneSettings.of(env);
        Path dataDir = settings.dataDir().toAbsolutePath();
        var address = new LocalAddress(settings.local().address());
        boolean services = !settings.standalone().services().isEmpty();
        String givenDatabase = env.getProperty("spring.datasource.url");
        String givenBroker = env.getProperty("spring.kafka.bootstrap-servers");
        if (givenDatabase == null) {
            // a PostgreSQL that a killed standalone left running on the folder holds its port too
            EmbeddedPostgresServer.stopLeftover(dataDir.resolve(POSTGRES_FOLDER));
        }
        if (services) {
            PortCheck.requireFree(env.getProperty("server.port", Integer.class, 8080), "server.port");
        }
        if (givenDatabase == null) {
            PortCheck.requireFree(settings.local().postgresPort(), "shardflow.local.postgres-port");
        }
        if (givenBroker == null) {
            PortCheck.requireFree(settings.local().kafkaPort(), "shardflow.local.kafka-port");
        }

        EmbeddedPostgresServer postgres = null;
        EmbeddedKafkaBroker kafka = null;
        try {
            String jdbcUrl = givenDatabase;
            String username = env.getProperty("spring.datasource.username", "");
            String password = env.getProperty("spring.datasource.password", "");
            if (jdbcUrl == null) {
                var started = EmbeddedPostgresServer.start(
                        dataDir.resolve(POSTGRES_FOLDER),
                        dataDir.resolve(POSTGRES_PASSWORD),
                        address,
                        settings.local().postgresPort(),
                        settings.local().postgresSynchronousCommit());
                postgres = started;
                jdbcUrl = started.jdbcUrl();
                username = EmbeddedPostgresServer.USER;
                password = started.password();
            }
            String bootstrapServers = givenBroker;
            KafkaSasl sasl = null;
            if (bootstrapServers == null) {
                int partitions = Binder.get(env)
                        .bindOrCreate("shardflow.messaging", MessagingSettings.class)
                        .partitions();
                if (settings.local().kafkaSasl()) {
                    sasl = new KafkaSasl(KafkaSasl.USERNAME, SecretFile.readOrCreate(dataDir.resolve(KAFKA_PASSWORD)));
                }
                var started = EmbeddedKafkaBroker.start(
                        dataDir.resolve("kafka"), address, settings.local().kafkaPort(), partitions, sasl);
                kafka = started;
                bootstrapServers = started.bootstrapServers();
            }
            var connection = new Connection(
                    jdbcUrl, username, password, bootstrapServers, sasl == null ? Map.of() : sasl.springProperties());
            var file = connection.write(dataDir);
            if (!services) {
                log.info(
                        "PostgreSQL and Kafka are running; services join them with --spring.config.import=file:{}",
                        file);
                return new ShardflowStandalone(postgres, kafka, connection, file, null);
            }
            var app = new SpringApplication(StandaloneApplication.class);
            app.setRegisterShutdownHook(false);
            app.addInitializers(ctx -> connect(ctx.getEnvironment(), connection));
            app.addInitializers(ctx -> firstAdminKey(ctx.getEnvironment(), dataDir));
            app.addInitializers(initializers.toArray(ApplicationContextInitializer[]::new));
            return new ShardflowStandalone(postgres, kafka, connection, file, app.run(args));
        } catch (RuntimeException e) {
            close(kafka, postgres);
            throw e;
        }
    }

    /** The first ADMIN key goes to {@code <data-dir>/admin-api-key}, unless a setting says otherwise. */
    private static void firstAdminKey(ConfigurableEnvironment environment, Path dataDir) {
        environment
                .getPropertySources()
                .addLast(new MapPropertySource(
                        "shardflow-standalone-defaults",
                        Map.of(
                                ADMIN_KEY_SETTING,
                                dataDir.resolve(ADMIN_KEY_FILE).toString())));
    }

    private static void connect(ConfigurableEnvironment environment, Connection connection) {
        environment.getPropertySources().addFirst(new MapPropertySource("shardflow-local", connection.properties()));
    }

    /** The services' context; a standalone that runs only the servers has none. */
    public ConfigurableApplicationContext context() {
        if (context == null) {
            throw new IllegalStateException("this standalone runs no services (shardflow.standalone.services=none)");
        }
        return context;
    }

    /** The embedded broker; absent when the standalone was given one. */
    public EmbeddedKafkaBroker kafka() {
        if (kafka == null) {
            throw new IllegalStateException("this standalone uses the broker it was given, not an embedded one");
        }
        return kafka;
    }

    public Connection connection() {
        return connection;
    }

    /** {@code <data-dir>/connection.properties}. */
    public Path connectionFile() {
        return connectionFile;
    }

    public String jdbcUrl() {
        return connection.jdbcUrl();
    }

    /** Stops the services first, then the broker, then the database. */
    @Override
    public void close() {
        try {
            if (context != null) {
                context.close();
            }
        } finally {
            close(kafka, postgres);
        }
    }

    private static void close(@Nullable EmbeddedKafkaBroker kafka, @Nullable EmbeddedPostgresServer postgres) {
        try {
            if (kafka != null) {
                kafka.close();
            }
        } finally {
            if (postgres != null) {
                postgres.close();
            }
        }
    }
}
