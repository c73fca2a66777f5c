package io.shardflow.standalone;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How services reach the PostgreSQL and the Kafka broker the standalone runs (or was given): written to
 * {@code <data-dir>/connection.properties}, readable by its owner only, for service processes started with
 * {@code --spring.config.import=file:<data-dir>/connection.properties}.
 *
 * @param kafkaClient further Spring Boot settings every Kafka client needs, such as how it signs in to the broker
 */
public record Connection(
        String jdbcUrl, String username, String password, String bootstrapServers, Map<String, String> kafkaClient) {
    public static final String FILE = "connection.properties";

    public Connection {
        kafkaClient = Map.copyOf(kafkaClient);
    }

    /** A connection whose broker takes clients as they are. */
    public Connection(String jdbcUrl, String username, String password, String bootstrapServers) {
        this(jdbcUrl, username, password, bootstrapServers, Map.of());
    }

    /** The Spring Boot properties that point a service here, in the order the file lists them. */
    public Map<String, Object> properties() {
        var properties = new LinkedHashMap<String, Object>();
        properties.put("spring.datasource.url", jdbcUrl);
        properties.put("spring.datasource.username", username);
        properties.put("spring.datasource.password", password);
        properties.put("spring.kafka.bootstrap-servers", bootstrapServers);
        kafkaClient.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(setting -> properties.put(setting.getKey(), setting.getValue()));
        return properties;
    }

    /** Writes the properties to {@code <dataDir>/connection.properties}, mode 600, and returns its path. */
    public Path write(Path dataDir) {
        var file = dataDir.resolve(FILE);
        var text = new StringBuilder("# written by the Shardflow standalone: how services reach its servers\n");
        properties()
                .forEach((key, value) -> text.append(key)
                        .append('=')
                        .append(escape(String.valueOf(value)))
                        .append('\n'));
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

    @Override
    public String toString() {
        return "Connection[jdbcUrl=" + jdbcUrl + ", username=" + username + ", bootstrapServers=" + bootstrapServers
                + ", kafkaClient=" + kafkaClient.keySet() + "]";
    }
}
