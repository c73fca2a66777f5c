package io.shardflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data folder's pid file names a server only while a postgres on that folder runs under its pid: a stale file
 * finds none, so nothing but that server is ever stopped.
 */
class PostmasterTest {
    @TempDir
    Path folder;

    @Test
    void noPidFileNoServer() {
        assertThat(Postmaster.of(folder)).isEmpty();
    }

    @Test
    void aPidFileOfAProcessThatIsGoneOrIsNoPostgresNamesNone() throws Exception {
        var gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Files.writeString(folder.resolve(Postmaster.PID_FILE), gone.pid() + "\n" + folder + "\n");
        assertThat(Postmaster.of(folder)).isEmpty();

        // this JVM is alive, but no postgres
        Files.writeString(
                folder.resolve(Postmaster.PID_FILE), ProcessHandle.current().pid() + "\n" + folder + "\n");
        assertThat(Postmaster.of(folder)).isEmpty();

        Files.writeString(folder.resolve(Postmaster.PID_FILE), "");
        assertThat(Postmaster.of(folder)).isEmpty();
    }
}
