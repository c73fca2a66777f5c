package io.shardflow.standalone;

import java.io.IOException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops the embedded PostgreSQL when this JVM dies without stopping it (SIGKILL, the kernel's out-of-memory killer):
 * the server is a process of its own and would outlive the JVM, holding its port and its data folder. A shell, this
 * JVM's child, checks once a second that the JVM lives, and when it does not, sends the server SIGINT (PostgreSQL's
 * fast shutdown); it exits by itself once the server is gone. A kill of the whole process group takes the shell too;
 * the next start on the folder stops such a server instead (see {@link EmbeddedPostgresServer}).
 */
final class PostgresWatchdog implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PostgresWatchdog.class);
    private static final String SCRIPT = """
            while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done
            if kill -0 "$2" 2>/dev/null; then kill -INT "$2"; fi
            """;

    private final @Nullable Process shell;

    private PostgresWatchdog(@Nullable Process shell) {
        this.shell = shell;
    }

    /** Watches this JVM on behalf of {@code postmaster}; without a shell (Windows) it watches nothing. */
    static PostgresWatchdog start(Postmaster postmaster) {
        try {
            var shell = new ProcessBuilder(
                            "sh",
                            "-c",
                            SCRIPT,
                            "shardflow-postgres-watchdog",
                            Long.toString(ProcessHandle.current().pid()),
                            Long.toString(postmaster.pid()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return new PostgresWatchdog(shell);
        } catch (IOException e) {
            log.info(
                    "no shell to watch PostgreSQL with ({}): a killed JVM leaves it for the next start to stop",
                    e.getMessage());
            return new PostgresWatchdog(null);
        }
    }

    /** A watchdog that watches nothing: the server's process could not be found. */
    static PostgresWatchdog none() {
        log.warn("no running PostgreSQL is named in its {}: a killed JVM leaves it running", Postmaster.PID_FILE);
        return new PostgresWatchdog(null);
    }

    /** The standalone stops PostgreSQL itself: the watch ends. */
    @Override
    public void close() {
        if (shell != null) {
            shell.descendants().forEach(ProcessHandle::destroy);
            shell.destroy();
        }
    }
}
