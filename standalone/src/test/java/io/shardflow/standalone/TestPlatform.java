package io.shardflow.standalone;

import static org.awaitility.Awaitility.await;

import io.shardflow.db.MutableClock;
import io.shardflow.db.TestInfrastructure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.util.FileSystemUtils;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The whole platform, started once per test JVM on free ports and a fresh data folder: real PostgreSQL, real
 * Kafka, the three services. Tests share it and create their own datasets, models and jobs. PostgreSQL and Kafka are
 * the standalone's embedded servers, or containers of their own where a Docker engine runs ({@link
 * TestInfrastructure}): each data folder gets its own pair, so platforms under test never share a broker.
 */
final class TestPlatform {
    private static final Map<Path, Servers> CONTAINERS = new ConcurrentHashMap<>();
    private static ShardflowStandalone shared;
    /** The shared platform's clock: a test that moves it moves time for everything the platform judges. */
    static final MutableClock CLOCK = new MutableClock();
    /** The scrape token every test platform and service process reads its meters with. */
    static final String SCRAPE_TOKEN = "scrape-token-of-the-test-platforms";
    /** The data folders {@link #tempDirectory} made, deleted as the test JVM exits. */
    private static final List<Path> TEMP_DIRECTORIES = new CopyOnWriteArrayList<>();

    static {
        // one hook, in order: hooks run side by side, and a folder deleted under the shared platform's broker while it
        // shuts down is a fatal error to Kafka, which halts the JVM with a failing exit code (after every test passed)
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            ShardflowStandalone platform;
            synchronized (TestPlatform.class) {
                platform = shared;
            }
            if (platform != null) {
                platform.close();
            }
            TEMP_DIRECTORIES.forEach(directory -> {
                try {
                    FileSystemUtils.deleteRecursively(directory);
                } catch (IOException | RuntimeException e) {
                    // best effort: the operating system's temporary folder takes what is left
                }
            });
        }));
    }

    private TestPlatform() {}

    static synchronized ShardflowStandalone shared() {
        if (shared == null) {
            shared = start(tempDirectory());
        }
        return shared;
    }

    static ShardflowStandalone start(Path dataDir) {
        return ShardflowStandalone.start(
                List.of(context ->
                        ((GenericApplicationContext) context).registerBean("clock", Clock.class, () -> CLOCK)),
                arguments(
                        dataDir,
                        "--server.port=0",
                        "--shardflow.worker.lanes=2",
                        // SlicingIT's batch shards ask for every window whether to yield, however fast the machine
                        "--shardflow.worker.slice-time=" + SlicingIT.SLICE_TIME,
                        "--shardflow.scheduler.reconcile-interval=1s",
                        "--shardflow.scheduler.stall-after=3s",
                        "--shardflow.metrics.scrape-token=" + SCRAPE_TOKEN,
                        // LimitsIT streams past these rather than past the defaults (1 GB, 10 GB); no other test
                        // uploads as much or stores as the tenant limits-quota
                        "--shardflow.api.limits.max-upload-bytes=" + LimitsIT.MAX_UPLOAD_BYTES,
                        "--shardflow.api.limits.tenant-storage-overrides.limits-quota=" + LimitsIT.QUOTA_BYTES,
                        "--spring.main.banner-mode=off"));
    }

    /**
     * A platform of its own whose workers (two lanes) may hold at most {@code maxModelBytes}, once it is UP: its worker
     * has reported the cap, which planning reads.
     */
    static ShardflowStandalone withModelCap(long maxModelBytes) {
        var platform = ShardflowStandalone.start(arguments(
                tempDirectory(),
                "--server.port=0",
                "--shardflow.worker.lanes=2",
                "--shardflow.worker.max-model-bytes=" + maxModelBytes,
                "--spring.main.banner-mode=off"));
        var api = api(platform);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> api.get("/actuator/health")
                        .json()
                        .get("status")
                        .asString()
                        .equals("UP"));
        return platform;
    }

    /**
     * The arguments of a standalone on {@code dataDir}: {@code settings} and where its servers are (a server that
     * {@code settings} names already is not replaced).
     */
    static String[] arguments(Path dataDir, String... settings) {
        var arguments = new ArrayList<>(List.of("--shardflow.data-dir=" + dataDir));
        if (TestInfrastructure.current() == TestInfrastructure.CONTAINERS) {
            boolean databaseGiven = Stream.of(settings).anyMatch(s -> s.startsWith("--spring.datasource.url="));
            arguments.addAll(
                    CONTAINERS.computeIfAbsent(dataDir, dir -> Servers.start()).arguments(databaseGiven));
        } else {
            arguments.add("--shardflow.local.kafka-port=" + freePort());
        }
        arguments.addAll(List.of(settings));
        return arguments.toArray(String[]::new);
    }

    /**
     * The arguments of a standalone on {@code dataDir} that runs its embedded servers whatever {@link
     * TestInfrastructure} says: for the tests of those servers.
     */
    static String[] embedded(Path dataDir, String... settings) {
        var arguments = new ArrayList<>(
                List.of("--shardflow.data-dir=" + dataDir, "--shardflow.local.kafka-port=" + freePort()));
        arguments.addAll(List.of(settings));
        return arguments.toArray(String[]::new);
    }

    /** Takes the platform's broker away: the embedded one stops, a container is paused. */
    static void brokerDown(ShardflowStandalone platform) {
        var servers = containersOf(platform);
        if (servers == null) {
            platform.kafka().stop();
        } else {
            DockerClientFactory.instance()
                    .client()
                    .pauseContainerCmd(servers.kafka().getContainerId())
                    .exec();
        }
    }

    /** Brings the broker {@link #brokerDown} took away back. */
    static void brokerUp(ShardflowStandalone platform) {
        var servers = containersOf(platform);
        if (servers == null) {
            platform.kafka().start();
        } else {
            DockerClientFactory.instance()
                    .client()
                    .unpauseContainerCmd(servers.kafka().getContainerId())
                    .exec();
        }
    }

    private static Servers containersOf(ShardflowStandalone platform) {
        return CONTAINERS.values().stream()
                .filter(s -> s.kafka()
                        .getBootstrapServers()
                        .equals(platform.connection().bootstrapServers()))
                .findFirst()
                .orElse(null);
    }

    /** A PostgreSQL and a Kafka container for one data folder. */
    private record Servers(PostgreSQLContainer postgres, KafkaContainer kafka) {
        static Servers start() {
            return new Servers(TestInfrastructure.startPostgres(), TestInfrastructure.startKafka());
        }

        List<String> arguments(boolean databaseGiven) {
            var broker = "--spring.kafka.bootstrap-servers=" + kafka.getBootstrapServers();
            return databaseGiven
                    ? List.of(broker)
                    : List.of(
                            "--spring.datasource.url=" + postgres.getJdbcUrl(),
                            "--spring.datasource.username=" + postgres.getUsername(),
                            "--spring.datasource.password=" + postgres.getPassword(),
                            broker);
        }
    }

    /** The platform's API as the ADMIN key its first start wrote to {@code <data-dir>/admin-api-key}. */
    static Api api(ShardflowStandalone platform) {
        int port = ((WebServerApplicationContext) platform.context())
                .getWebServer()
                .getPort();
        return new Api(
                "http://127.0.0.1:" + port, adminKey(platform.connectionFile().getParent()));
    }

    static String adminKey(Path dataDir) {
        try {
            return Files.readString(dataDir.resolve(ShardflowStandalone.ADMIN_KEY_FILE))
                    .strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@code <data-dir>/connection.properties} says, read as a service process reads it. */
    static Properties connectionFile(ShardflowStandalone platform) {
        var properties = new Properties();
        try (var in = Files.newInputStream(platform.connectionFile())) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    /**
     * A data folder of its own, deleted when the test JVM exits: a platform's PostgreSQL and broker leave up to ~2 GB
     * in it (write-ahead log, log segments), which a machine running the suite again and again must not keep.
     */
    static Path tempDirectory() {
        try {
            var directory = Files.createTempDirectory("shardflow-it-");
            TEMP_DIRECTORIES.add(directory);
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
