package io.shardflow.standalone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * How services reach the PostgreSQL and the Kafka broker the standalone runs (or was given): written to
 * {@code <data-dir>/connection.properties}, readable by its owner only, for service processes started with
 * {@code --spring.config.import=file:<data-dir>/connection.properties}.
 */
public record Connection(String jdbcUrl, String username, String password, String bootstrapServers) {
    public static final String FILE = "connection.properties";

    /** The Spring Boot properties that point a service here. */
    public Map<String, Object> properties() {
        return Map.of(
                "spring.datasource.url", jdbcUrl,
                "spring.datasource.username", username,
                "spring.datasource.password", password,
                "spring.kafka.bootstrap-servers", bootstrapServers);
    }

    /** Writes the properties to {@code <dataDir>/connection.properties}, mode 600, and returns its path. */
    public Path write(Path dataDir) {
        var file = dataDir.resolve(FILE);
        var text = new StringBuilder("# written by the Shardflow standalone: how services reach its servers\n");
        for (var key : new String[] {
            "spring.datasource.url",
            "spring.datasource.username",
            "spring.datasource.password",
            "spring.kafka.bootstrap-servers"
        }) {
            text.append(key)
                    .append('=')
                    .append(escape(String.valueOf(properties().get(key))))
                    .append('\n');
        }
        try {
            Files.createDirectories(dataDir);
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, text, StandardCharsets.ISO_8859_1);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }

    /** A value as the properties format reads it back. */
    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace(":", "\\:").replace("=", "\\=");
    }
}
