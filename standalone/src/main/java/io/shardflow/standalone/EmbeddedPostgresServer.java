package io.shardflow.standalone;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server whose data survives restarts in {@code dataDirectory}. It listens on the configured
 * address only (and loopback), and every connection signs in as {@value #USER} with a password: made once per
 * folder, kept in a file readable by its owner only.
 */
final class EmbeddedPostgresServer implements AutoCloseable {
    static final String USER = "postgres";
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

    private final EmbeddedPostgres postgres;
    private final LocalAddress address;
    private final String password;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, LocalAddress address, String password) {
        this.postgres = postgres;
        this.address = address;
        this.password = password;
    }

    /** Starts the server; {@code port} 0 picks a free one. */
    static EmbeddedPostgresServer start(Path dataDirectory, Path passwordFile, LocalAddress address, int port) {
        try {
            Files.createDirectories(dataDirectory);
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
            var server = new EmbeddedPostgresServer(builder.start(), address, password);
            if (withoutPassword) {
                server.requirePassword(dataDirectory, passwordFile);
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start PostgreSQL in " + dataDirectory, e);
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

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
