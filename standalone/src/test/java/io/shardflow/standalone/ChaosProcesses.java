package io.shardflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * What the chaos tests do to real processes: folders for standalones under {@code target/chaos}, the PostgreSQL
 * server of a data folder found among the machine's processes, and that server crashed and started again.
 */
final class ChaosProcesses {
    private ChaosProcesses() {}

    /** A fresh folder for one test's standalones, their data and their logs: {@code target/chaos/<name>-<random>}. */
    static Path folder(String name) {
        var folder = Path.of(
                        "target",
                        "chaos",
                        name + "-" + UUID.randomUUID().toString().substring(0, 8))
                .toAbsolutePath();
        try {
            return Files.createDirectories(folder);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The embedded PostgreSQL's own folder under a standalone's data folder. */
    static Path postgresFolder(Path dataDir) {
        return dataDir.resolve("postgres");
    }

    /**
     * The PostgreSQL server (its postmaster) running on {@code dataDir}'s database, looked for among all processes
     * of the machine by its command line ({@code postgres -D <folder>}), not by the folder's pid file.
     */
    static Optional<ProcessHandle> postgresOf(Path dataDir) {
        var folder = postgresFolder(dataDir).toAbsolutePath().normalize().toString();
        return ProcessHandle.allProcesses()
                .filter(p ->
                        p.info().command().map(c -> c.endsWith("/postgres")).orElse(false))
                .filter(p -> p.info()
                        .arguments()
                        .map(a -> List.of(a).contains(folder))
                        .orElse(false))
                .findFirst();
    }

    /** The database of the standalone on {@code dataDir}, as its {@code connection.properties} names it. */
    static JdbcClient jdbc(Path dataDir) {
        var properties = new Properties();
        try (var in = Files.newInputStream(dataDir.resolve("connection.properties"))) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return JdbcClient.create(new DriverManagerDataSource(
                properties.getProperty("spring.datasource.url"),
                properties.getProperty("spring.datasource.username"),
                properties.getProperty("spring.datasource.password")));
    }

    /**
     * Crashes the PostgreSQL server of {@code dataDir} as {@code pg_ctl stop -m immediate} does (SIGQUIT: every
     * process exits at once, nothing is written, the next start recovers from the write-ahead log) and returns when
     * it is gone.
     */
    static Instant crashPostgres(Path dataDir) throws IOException, InterruptedException {
        var postmaster = postgresOf(dataDir).orElseThrow(() -> new AssertionError("no PostgreSQL runs on " + dataDir));
        var crashed = Instant.now();
        run(List.of("sh", "-c", "kill -QUIT " + postmaster.pid()), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> !postmaster.isAlive());
        return crashed;
    }

    /**
     * Starts the PostgreSQL server of {@code dataDir} again, on its port and with its settings (its
     * {@code postmaster.opts}), as zonky starts it; returns when it accepts connections. Its output goes to
     * {@code log}.
     */
    static Instant restartPostgres(Path dataDir, Path log) throws IOException, InterruptedException {
        var folder = postgresFolder(dataDir);
        var options = Files.readString(folder.resolve("postmaster.opts")).strip();
        // "<bin>/postgres" "-D" "<folder>" ...: pg_ctl lies beside postgres
        var postgres = Path.of(options.substring(0, options.indexOf(" \"")));
        var command = new ArrayList<String>();
        if (LinuxUtils.isUnshareAvailable()) {
            command.addAll(List.of("unshare", "-U")); // as zonky does: PostgreSQL refuses to run as root
        }
        command.addAll(List.of(
                postgres.resolveSibling("pg_ctl").toString(),
                "restart",
                "-D",
                folder.toString(),
                "-w",
                "-t",
                "60",
                "-l",
                log.toString()));
        var restarted = Instant.now();
        run(command, log.resolveSibling(log.getFileName() + ".pg_ctl"));
        return restarted;
    }

    private static void run(List<String> command, @Nullable Path output) throws IOException, InterruptedException {
        var builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.redirectOutput(
                output == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(output.toFile()));
        var process = builder.start();
        assertThat(process.waitFor(90, TimeUnit.SECONDS))
                .as("%s ended", command)
                .isTrue();
        assertThat(process.exitValue())
                .as("%s: %s", command, output == null ? "" : Files.readString(output))
                .isZero();
    }
}
