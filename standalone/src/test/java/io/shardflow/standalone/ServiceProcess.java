package io.shardflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * One Shardflow service started as its own JVM from its built jar, as an operator would start it: joined to the
 * servers by {@code --spring.config.import=file:<connection.properties>}, on its own HTTP port, its output in
 * {@code <logs>/<name>.log}.
 */
final class ServiceProcess implements AutoCloseable {
    /** The built jars: {@code shardflow.jars} (set by the build to the project's root) or the working directory's parent. */
    private static final Path ROOT = Path.of(System.getProperty("shardflow.jars", ".."));

    enum Kind {
        API("api-service/target/shardflow-api.jar", "-Xmx256m"),
        SCHEDULER("scheduler-service/target/shardflow-scheduler.jar", "-Xmx192m"),
        // one lane each: the machine has two cores for all of them
        WORKER("worker-service/target/shardflow-worker.jar", "-Xmx384m", "--shardflow.worker.lanes=1"),
        /** The whole platform with its own PostgreSQL and Kafka: see {@link #standalone}. */
        STANDALONE("standalone/target/shardflow-standalone.jar", "-Xmx512m", "--shardflow.worker.lanes=2");

        private final String jar;
        private final String heap;
        private final List<String> settings;

        Kind(String jar, String heap, String... settings) {
            this.jar = jar;
            this.heap = heap;
            this.settings = List.of(settings);
        }

        Path jar() {
            var path = ROOT.resolve(jar).toAbsolutePath().normalize();
            assertThat(path).as("build the service jars first (./mvnw package)").isRegularFile();
            return path;
        }
    }

    private static final Pattern WORKER_ID = Pattern.compile("this is worker (\\S+) on host");
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final String name;
    final Kind kind;
    final int port;
    private final Process process;
    private final Path log;
    private volatile boolean stopped;

    private ServiceProcess(String name, Kind kind, int port, Process process, Path log) {
        this.name = name;
        this.kind = kind;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    static ServiceProcess start(String name, Kind kind, Path connection, Path logs, String... settings) {
        var arguments = new ArrayList<>(List.of("--spring.config.import=file:" + connection));
        arguments.addAll(List.of(settings));
        return launch(name, kind, TestPlatform.freePort(), logs, arguments);
    }

    /**
     * The standalone jar on {@code dataDir}, as a user runs it: its own PostgreSQL and Kafka keep their data there,
     * and it serves HTTP on {@code port}; {@code settings} name the servers' ports, say. Its output goes to
     * {@code <logs>/<name>.log}.
     */
    static ServiceProcess standalone(String name, Path dataDir, int port, Path logs, String... settings) {
        var arguments = new ArrayList<>(List.of("--shardflow.data-dir=" + dataDir));
        arguments.addAll(List.of(settings));
        return launch(name, Kind.STANDALONE, port, logs, arguments);
    }

    private static ServiceProcess launch(String name, Kind kind, int port, Path logs, List<String> settings) {
        var command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                kind.heap,
                "-Xss512k",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-jar",
                kind.jar().toString(),
                "--server.port=" + port,
                "--spring.application.name=" + name,
                // names the process's consumers in the broker's group descriptions
                "--spring.kafka.consumer.client-id=" + name,
                "--shardflow.metrics.scrape-token=" + TestPlatform.SCRAPE_TOKEN,
                "--spring.main.banner-mode=off"));
        command.addAll(kind.settings);
        command.addAll(settings);
        var log = logs.resolve(name + ".log");
        try {
            var process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            return new ServiceProcess(name, kind, port, process, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This service's API, called with {@code key}. */
    Api api(String key) {
        return new Api("http://127.0.0.1:" + port, key);
    }

    /** Waits until {@code /actuator/health/readiness} answers 200, unless the test stopped it. */
    void awaitReady() {
        if (!stopped) {
            await().atMost(Duration.ofMinutes(3))
                    .pollInterval(Duration.ofMillis(250))
                    .until(this::ready);
        }
    }

    /** True once {@code /actuator/health/readiness} answers 200; fails at once if the process has died. */
    boolean ready() {
        if (!process.isAlive()) {
            throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + tail());
        }
        try {
            var response = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                            .timeout(Duration.ofSeconds(2))
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** SIGKILL: the process ends at once, writing nothing more. */
    void kill() throws InterruptedException {
        stopped = true;
        process.destroyForcibly();
        process.waitFor();
    }

    /**
     * SIGKILL to the process and every process it started, as {@code kill -9 -<group>} or a container's end sends
     * it: none of them does anything more. (Processes that left its tree, such as a PostgreSQL server, live on.)
     */
    void killWithChildren() throws InterruptedException {
        stopped = true;
        // its children first: the process, dying first, could be seen dying by one of them
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM, as Kubernetes stops a pod; returns the exit status, or fails if it does not exit in {@code limit}. */
    int terminate(Duration limit) throws InterruptedException {
        stopped = true;
        process.destroy();
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " did not stop within " + limit + ":\n" + tail());
        }
        return process.exitValue();
    }

    /** The JVM's process, for signals that {@link Process} cannot send (see {@link StopSignals}). */
    ProcessHandle handle() {
        return process.toHandle();
    }

    /** A worker's id, as it logs it at start. */
    String workerId() {
        var said = WORKER_ID.matcher(log());
        if (!said.find()) {
            throw new AssertionError(name + " has not said its worker id yet:\n" + tail());
        }
        return said.group(1);
    }

    String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String tail() {
        var text = log();
        return text.substring(Math.max(0, text.length() - 4000));
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
