package io.shardflow.standalone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The embedded PostgreSQL's {@code pg_hba.conf}: every connection, over TCP or the local socket, signs in with a
 * password (SCRAM-SHA-256). Written before each start, so that a file edited since, or one from a version that
 * trusted every local connection, does not stay in force.
 */
final class ClientAuthentication {
    static final String FILE = "pg_hba.conf";

    private static final String TEXT = """
            # written by the Shardflow standalone before each start; edits do not last
            # every connection signs in with a password: <data-dir>/postgres-password
            local all all scram-sha-256
            host all all all scram-sha-256
            """;

    private ClientAuthentication() {}

    static void write(Path dataDirectory) {
        var file = dataDirectory.resolve(FILE);
        try {
            Files.writeString(file, TEXT, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }
}
