package io.shardflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The standalone with {@code services=none} as its own JVM, started from its built jar as an operator would start
 * it: the Kafka broker (and controller) inside it, PostgreSQL as the server process it starts and stops, always
 * embedded (a fresh database per test, whatever {@code SHARDFLOW_TEST_POSTGRES_URL} names for ClusterIT). Its own process, so a test can stop the broker with
 * a signal while the database runs on. Services join it through {@link #connectionFile()}.
 */
final class ServersProcess implements AutoCloseable {
    private static final Path JAR = Path.of(System.getProperty("shardflow.jars", ".."))
            .resolve("standalone/target/shardflow-standalone.jar")
            .toAbsolutePath()
            .normalize();

    private final Process process;
    private final Path dataDir;
    private final Path log;

    private ServersProcess(Process process, Path dataDir, Path log) {
        this.process = process;
        this.dataDir = dataDir;
        this.log = log;
    }

    /** Starts PostgreSQL and a broker on a free port for {@code dataDir}, and waits until both are up. */
    static ServersProcess start(Path dataDir) {
        assertThat(JAR).as("build the standalone jar first (./mvnw package)").isRegularFile();
        var command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-jar",
                JAR.toString(),
                "--shardflow.standalone.services=none",
                "--shardflow.data-dir=" + dataDir,
                "--shardflow.local.kafka-port=" + TestPlatform.freePort()));

        var log = dataDir.resolve("servers.log");
        try {
            Files.createDirectories(dataDir);
            var process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            var servers = new ServersProcess(process, dataDir, log);
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(250))
                    .until(servers::ready);
            return servers;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean ready() {
        if (!process.isAlive()) {
            throw new AssertionError("the servers exited with " + process.exitValue() + ":\n" + log());
        }
        return Files.isRegularFile(connectionFile()) && log().contains("PostgreSQL and Kafka are running");
    }

    /** {@code <data-dir>/connection.properties}, for {@code --spring.config.import=file:…}. */
    Path connectionFile() {
        return dataDir.resolve(Connection.FILE);
    }

    /** What the connection file says. */
    Connection connection() {
        var properties = new Properties();
        try (var in = Files.newInputStream(connectionFile())) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Connection(
                properties.getProperty("spring.datasource.url"),
                properties.getProperty("spring.datasource.username"),
                properties.getProperty("spring.datasource.password"),
                properties.getProperty("spring.kafka.bootstrap-servers"),
                Map.of());
    }

    /** The JVM that runs the broker. */
    ProcessHandle handle() {
        return process.toHandle();
    }

    /** The embedded PostgreSQL's server process, while it runs; absent with an operator's server. */
    Optional<ProcessHandle> postgres() {
        var pidFile = dataDir.resolve("postgres").resolve("postmaster.pid");
        try {
            if (!Files.isRegularFile(pidFile)) {
                return Optional.empty();
            }
            var firstLine = Files.readAllLines(pidFile).getFirst().strip();
            return ProcessHandle.of(Long.parseLong(firstLine));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * SIGTERM, as an operator stops it: it closes the broker, then stops PostgreSQL. Returns the exit status, or fails
     * if it does not exit within {@code limit}.
     */
    int terminate(Duration limit) throws InterruptedException {
        if (process.isAlive()) {
            // a stopped process keeps a SIGTERM pending until it runs again
            StopSignals.resume(process.toHandle());
        }
        process.destroy();
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the servers did not stop within " + limit + ":\n" + log());
        }
        return process.exitValue();
    }

    /**
     * Stops as an operator would (SIGTERM, resumed first if a test left it stopped): the broker, then PostgreSQL.
     * If it does not exit within a minute it is killed, and its PostgreSQL with it.
     */
    @Override
    public void close() throws InterruptedException {
        var database = postgres();
        if (process.isAlive()) {
            StopSignals.resume(process.toHandle());
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
        database.filter(ProcessHandle::isAlive).ifPresent(server -> {
            server.destroy();
            server.onExit().orTimeout(30, TimeUnit.SECONDS).join();
        });
    }
}
