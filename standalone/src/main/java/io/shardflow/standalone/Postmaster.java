package io.shardflow.standalone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The PostgreSQL server running on a data folder, found by the folder's {@code postmaster.pid} (whose first line is
 * the server's process id) and checked against that process: a {@code postgres} whose {@code -D} is the folder. A
 * stale file, whose process is gone or is now some other program, finds none; PostgreSQL itself starts over such a
 * file.
 */
record Postmaster(ProcessHandle process, Path dataDirectory) {
    static final String PID_FILE = "postmaster.pid";

    /** The live server of {@code dataDirectory}, if one runs. */
    static Optional<Postmaster> of(Path dataDirectory) {
        List<String> lines;
        try {
            lines = Files.readAllLines(dataDirectory.resolve(PID_FILE));
        } catch (IOException e) {
            return Optional.empty(); // no file: no server
        }
        if (lines.isEmpty()) {
            return Optional.empty(); // a server writing its file right now has not started yet
        }
        long pid;
        try {
            pid = Long.parseLong(lines.getFirst().strip());
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid)
                .filter(p -> servesFolder(p, dataDirectory))
                .map(p -> new Postmaster(p, dataDirectory));
    }

    /**
     * Whether {@code process} is a {@code postgres} on {@code dataDirectory}. Where the system does not tell a
     * process's arguments, its program's name and the folder's pid file vouch for it.
     */
    static boolean servesFolder(ProcessHandle process, Path dataDirectory) {
        var info = process.info();
        boolean postgres = info.command()
                .map(c -> Path.of(c).getFileName().toString().matches("postgres(\\.exe)?"))
                .orElse(false);
        return postgres
                && info.arguments().map(a -> hasFolder(a, dataDirectory)).orElse(true);
    }

    private static boolean hasFolder(String[] arguments, Path dataDirectory) {
        var wanted = dataDirectory.toAbsolutePath().normalize();
        for (int i = 0; i + 1 < arguments.length; i++) {
            if (arguments[i].equals("-D")
                    && Path.of(arguments[i + 1]).toAbsolutePath().normalize().equals(wanted)) {
                return true;
            }
        }
        return false;
    }

    long pid() {
        return process.pid();
    }

    /**
     * Stops the server and returns once it has exited: first as {@code pg_ctl stop -m fast} does (SIGINT: clients
     * are disconnected, a checkpoint is written), after {@code patience} as {@code -m immediate} does (SIGQUIT: the
     * next start recovers from the log), and after 5 s more by killing it and its processes.
     */
    void stop(Duration patience) {
        if (signal("INT") && exited(patience)) {
            return;
        }
        if (signal("QUIT") && exited(Duration.ofSeconds(5))) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        exited(Duration.ofSeconds(5));
    }

    /** Whether it has exited within {@code limit}. */
    boolean exited(Duration limit) {
        try {
            process.onExit().get(limit.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** Sends a signal Java has no call for, with the shell's {@code kill}; false if it could not be sent. */
    private boolean signal(String name) {
        try {
            var kill = new ProcessBuilder("sh", "-c", "kill -" + name + " " + process.pid())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0;
        } catch (IOException e) {
            return false; // no shell (Windows): the later steps still stop it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
