package io.shardflow.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The standalone platform in a process of its own, on a fresh data folder and free ports, as a user runs it:
 * the benchmark measures it from outside, over HTTP, and its own threads do not share the platform's heap.
 */
public final class Platform implements AutoCloseable {
    private final Process process;
    private final Path dataDir;
    private final String url;
    private final String jdbcUrl;
    private final String kafka;
    private final String adminKey;

    private Platform(Process process, Path dataDir, String url, String jdbcUrl, String kafka, String adminKey) {
        this.process = process;
        this.dataDir = dataDir;
        this.url = url;
        this.jdbcUrl = jdbcUrl;
        this.kafka = kafka;
        this.adminKey = adminKey;
    }

    /** Starts the jar with its defaults plus {@code extraArgs} ({@code --name=value}, e.g. a lane count). */
    public static Platform start(Path jar, String... extraArgs) throws IOException, InterruptedException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    jar + " is missing: build it with ./mvnw -B package -DskipTests, or pass --api URL");
        }
        var dataDir = Files.createTempDirectory("shardflow-bench");
        int port = freePort();
        int kafkaPort = freePort();
        int postgresPort = freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var command = new ArrayList<>(List.of(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-jar",
                jar.toString(),
                "--shardflow.data-dir=" + dataDir,
                "--server.port=" + port,
                "--shardflow.local.kafka-port=" + kafkaPort,
                "--shardflow.local.postgres-port=" + postgresPort,
                "--spring.main.banner-mode=off"));
        command.addAll(List.of(extraArgs));
        var process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dataDir.resolve("platform.log").toFile())
                .start();
        String url = "http://127.0.0.1:" + port;
        awaitUp(process, url, "the platform", dataDir.resolve("platform.log"), Duration.ofMinutes(3));
        var connection = new Properties();
        try (var in = Files.newBufferedReader(dataDir.resolve("connection.properties"))) {
            connection.load(in);
        }
        return new Platform(
                process,
                dataDir,
                url,
                jdbcUrl(connection),
                connection.getProperty("spring.kafka.bootstrap-servers", "127.0.0.1:" + kafkaPort),
                Files.readString(dataDir.resolve("admin-api-key")).strip());
    }

    /** The database URL with its credentials in it, so every JDBC user of the bench reaches the platform's own. */
    private static String jdbcUrl(Properties connection) {
        var url = connection.getProperty("spring.datasource.url", "");
        var user = connection.getProperty("spring.datasource.username", "postgres");
        var password = connection.getProperty("spring.datasource.password", "");
        return url + (url.contains("?") ? "&" : "?") + "user=" + URLEncoder.encode(user, StandardCharsets.UTF_8)
                + (password.isEmpty() ? "" : "&password=" + URLEncoder.encode(password, StandardCharsets.UTF_8));
    }

    /** The platform's API as the ADMIN key its first start wrote. */
    public Http api() {
        return new Http(url, adminKey);
    }

    public String url() {
        return url;
    }

    /** The platform's PostgreSQL (user {@code postgres}, its password in the URL), for references on the same database. */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    /** The platform's Kafka bootstrap address, for references measured on the same broker. */
    public String kafka() {
        return kafka;
    }

    /**
     * CPU seconds used so far by the platform, the processes it started, and its PostgreSQL (whose server detaches
     * from the platform: it is found by the pid file in its data folder), for a scenario to say how much processor
     * time its work took on the machine it shares with the bench.
     */
    public double cpuSeconds() {
        var processes = Stream.concat(Stream.of(process.toHandle()), process.descendants());
        try {
            long postmaster = Long.parseLong(Files.readAllLines(dataDir.resolve("postgres/postmaster.pid"))
                    .getFirst()
                    .strip());
            var postgres =
                    ProcessHandle.of(postmaster).stream().flatMap(p -> Stream.concat(Stream.of(p), p.descendants()));
            processes = Stream.concat(processes, postgres).distinct();
        } catch (IOException | RuntimeException e) {
            // no pid file: PostgreSQL is not (or no longer) running
        }
        return processes
                        .mapToLong(p -> p.info()
                                .totalCpuDuration()
                                .map(Duration::toNanos)
                                .orElse(0L))
                        .sum()
                / 1e9;
    }

    /** The platform process's resident memory now (VmRSS), in MiB; its PostgreSQL is a process of its own. */
    public long residentMiB() throws IOException {
        return memoryMiB(process.pid(), "VmRSS:");
    }

    /** The most resident memory the platform process has held (VmHWM), in MiB. */
    public long peakResidentMiB() throws IOException {
        return memoryMiB(process.pid(), "VmHWM:");
    }

    /** A memory line of {@code /proc/<pid>/status} in MiB, or -1 when it has none. */
    static long memoryMiB(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }

    /** Waits until the process's health endpoint says UP; fails if it exits first or stays down past the timeout. */
    private static void awaitUp(Process process, String url, String what, Path log, Duration timeout)
            throws InterruptedException {
        var http = new Http(url, null);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(what + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                var health = http.get("/actuator/health/readiness");
                if (health.status() == 200
                        && "UP".equals(health.body().get("status").asString())) {
                    return;
                }
            } catch (IllegalStateException notYet) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(what + " was not healthy within " + timeout + "; see " + log);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        try (var files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /**
     * A worker process of the standalone jar, joined to this platform's database and broker, with a heap of
     * {@code heap} (a JVM size such as {@code 512m}) so that its resident memory shows what it loads rather than
     * how far a default heap lets garbage grow.
     */
    public Worker startWorker(Path jar, String heap, String... extraArgs) throws IOException, InterruptedException {
        int port = freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        var command = new ArrayList<>(List.of(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx" + heap,
                "-Dloader.main=io.shardflow.worker.WorkerApplication",
                "-cp",
                jar.toString(),
                "org.springframework.boot.loader.launch.PropertiesLauncher",
                "--spring.config.import=file:" + dataDir.resolve("connection.properties"),
                "--server.port=" + port,
                "--spring.main.banner-mode=off"));
        command.addAll(List.of(extraArgs));
        var log = Files.createTempFile(dataDir, "worker", ".log");
        var process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        var worker = new Worker(process, "http://127.0.0.1:" + port, log);
        worker.awaitHealthy(Duration.ofMinutes(2));
        return worker;
    }

    /** A worker process: its peak resident memory, and a clean stop. */
    public record Worker(Process process, String url, Path log) implements AutoCloseable {
        void awaitHealthy(Duration timeout) throws InterruptedException {
            awaitUp(process, url, "a worker", log, timeout);
        }

        /** The most resident memory the process has held (VmHWM), in MiB. */
        public long peakResidentMiB() throws IOException {
            return memoryMiB(process.pid(), "VmHWM:");
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
