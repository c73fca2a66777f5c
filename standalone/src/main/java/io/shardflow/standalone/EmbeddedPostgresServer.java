package io.shardflow.standalone;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server whose data survives restarts in {@code dataDirectory}. It listens on the configured
 * address only (and loopback), and every connection signs in as {@value #USER} with a password: made once per
 * folder, kept in a file readable by its owner only. A commit returns once it is on disk ({@code synchronous_commit},
 * unless turned off). The server is a process of its own: a {@link PostgresWatchdog} stops it if this JVM dies, and a
 * start stops one that a dead JVM left running on the folder, which would otherwise keep the next one out.
 */
final class EmbeddedPostgresServer implements AutoCloseable {
    static final String USER = "postgres";
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    /** The file zonky locks while it runs a server on the folder: held, the folder's server is not left over. */
    private static final String ZONKY_LOCK = "epg-lock";
    /** How long a server stopping with its fast shutdown may take (its checkpoint) before it is stopped harder. */
    private static final Duration FAST_STOP = Duration.ofSeconds(10);

    private final EmbeddedPostgres postgres;
    private final Path dataDirectory;
    private final LocalAddress address;
    private final String password;
    private final PostgresWatchdog watchdog;

    private EmbeddedPostgresServer(
            EmbeddedPostgres postgres, Path dataDirectory, LocalAddress address, String password) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
        this.address = address;
        this.password = password;
        this.watchdog =
                Postmaster.of(dataDirectory).map(PostgresWatchdog::start).orElseGet(PostgresWatchdog::none);
    }

    /**
     * Starts the server; {@code port} 0 picks a free one. With {@code synchronousCommit} off a commit returns before
     * it is on disk: faster, but a crash of PostgreSQL or of the machine loses what was committed in its last moment.
     */
    static EmbeddedPostgresServer start(
            Path dataDirectory, Path passwordFile, LocalAddress address, int port, boolean synchronousCommit) {
        try {
            Files.createDirectories(dataDirectory);
            stopLeftover(dataDirectory);
            // a folder from a version that trusted every local connection: its superuser has no password yet
            boolean withoutPassword = Files.exists(dataDirectory.resolve("postgresql.conf"))
                    && SecretFile.read(passwordFile).isEmpty();
            String password = withoutPassword ? SecretFile.generate() : SecretFile.readOrCreate(passwordFile);
            var builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    // the standalone stops it itself, after the services that use it: a hook of its own would race them
                    .setRegisterShutdownHook(false)
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", "on")
                    // zonky's default is off: a job answered 202 must be on disk
                    .setServerConfig("synchronous_commit", synchronousCommit ? "on" : "off")
                    .setServerConfig("listen_addresses", listenAddresses(address))
                    .setServerConfig("password_encryption", "scram-sha-256")
                    // zonky hands its locale settings to initdb as --name=value: a new cluster's superuser has the
                    // password from the first moment
                    .setLocaleConfig("pwfile", passwordFile.toAbsolutePath().toString())
                    // zonky's own check that the server is up signs in too
                    .setConnectConfig("password", password)
                    // zonky calls this after initdb and before every start
                    .setDataDirectoryCustomizer(directory -> {
                        if (!withoutPassword) {
                            ClientAuthentication.write(directory.toPath());
                        }
                    });
            if (port > 0) {
                builder.setPort(port);
            }
            var server = new EmbeddedPostgresServer(builder.start(), dataDirectory, address, password);
            if (withoutPassword) {
                server.requirePassword(dataDirectory, passwordFile);
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start PostgreSQL in " + dataDirectory, e);
        }
    }

    /**
     * Stops a server that runs on the folder while no process holds zonky's lock on it: a JVM that died without
     * stopping its server (SIGKILL of its process group, say) left it, and PostgreSQL would refuse to start beside it
     * ({@code lock file "postmaster.pid" already exists}). A server whose JVM still runs is left alone.
     */
    static void stopLeftover(Path dataDirectory) {
        var leftover = Postmaster.of(dataDirectory);
        if (leftover.isEmpty()) {
            return;
        }
        try (var channel = FileChannel.open(
                        dataDirectory.resolve(ZONKY_LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                var lock = channel.tryLock()) {
            if (lock == null) {
                return; // another process runs it: zonky says so when it cannot lock the folder
            }
            log.warn(
                    "PostgreSQL (pid {}) is still running on {}, left by a standalone that ended without stopping it: stopping it",
                    leftover.get().pid(),
                    dataDirectory);
            leftover.get().stop(FAST_STOP);
        } catch (OverlappingFileLockException e) {
            // this JVM runs it
        } catch (IOException e) {
            throw new UncheckedIOException("could not lock " + dataDirectory.resolve(ZONKY_LOCK), e);
        }
    }

    /**
     * Gives the superuser of a folder that had none its password, over the connections that the folder's old
     * {@code pg_hba.conf} still trusts, then requires it of every connection from now on.
     */
    private void requirePassword(Path dataDirectory, Path passwordFile) {
        // over loopback, which it always listens on and the old file trusts
        var loopback = "jdbc:postgresql://" + LocalAddress.LOOPBACK.host() + ":" + port() + "/postgres";
        try (var connection = DriverManager.getConnection(loopback, USER, password);
                var statement = connection.createStatement()) {
            // the generated password is URL-safe Base64: nothing in it to quote
            statement.execute("ALTER ROLE " + USER + " PASSWORD '" + password + "'");
            SecretFile.write(passwordFile, password);
            ClientAuthentication.write(dataDirectory);
            statement.execute("SELECT pg_reload_conf()");
            log.info(
                    "PostgreSQL in {} trusted local connections: it now requires the password in {}",
                    dataDirectory,
                    passwordFile);
        } catch (SQLException | RuntimeException e) {
            close();
            throw new IllegalStateException("could not set a password on PostgreSQL in " + dataDirectory, e);
        }
    }

    /** The configured address, and loopback as well: zonky checks that the server is up there. */
    private static String listenAddresses(LocalAddress address) {
        return address.loopback() || address.host().equals("0.0.0.0")
                ? address.host()
                : LocalAddress.LOOPBACK.host() + "," + address.host();
    }

    String jdbcUrl() {
        return "jdbc:postgresql://" + address.connectHost() + ":" + port() + "/postgres";
    }

    String password() {
        return password;
    }

    int port() {
        return postgres.getPort();
    }

    /**
     * Stops the server with its fast shutdown: zonky waits 5 s for it, and a server still running then is stopped
     * harder ({@link Postmaster#stop}), so that none outlives the standalone.
     */
    @Override
    public void close() {
        // found before zonky's stop, which ends once the server has removed its pid file, not once it has exited
        var server = Postmaster.of(dataDirectory);
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (server.isPresent() && !server.get().exited(Duration.ofSeconds(5))) {
                server.get().stop(Duration.ofSeconds(5));
            }
            watchdog.close();
        }
    }
}
