package io.shardflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * SIGSTOP and SIGCONT, which Java's {@link Process} cannot send. A stopped process keeps its sockets, memory and
 * locks but runs nothing and answers nothing, as a process in a very long GC pause, a frozen virtual machine or a
 * host cut off from the network would; SIGCONT lets it carry on as if no time had passed.
 */
final class StopSignals {
    private StopSignals() {}

    /** Stops {@code process} and waits until the kernel reports it stopped. */
    static void stop(ProcessHandle process) {
        send("STOP", process);
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> state(process) == 'T');
    }

    /** Lets a stopped {@code process} run again. */
    static void resume(ProcessHandle process) {
        send("CONT", process);
    }

    /** The process's state letter in {@code /proc/<pid>/stat}: {@code T} while stopped, {@code ?} once it is gone. */
    static char state(ProcessHandle process) {
        try {
            var stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
            // "pid (command name) S ...": the name may hold spaces and parentheses, the state follows the last ')'
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (IOException e) {
            return '?';
        }
    }

    private static void send(String signal, ProcessHandle process) {
        assertThat(process.isAlive()).as("process %d is running", process.pid()).isTrue();
        try {
            var kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(process.pid()))
                    .redirectErrorStream(true)
                    .start();
            var said = new String(kill.getInputStream().readAllBytes());
            assertThat(kill.waitFor())
                    .as("kill -%s %d: %s", signal, process.pid(), said)
                    .isZero();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
