package io.shardflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectionTest {

    @Test
    void theFileReadsBackAsWrittenSignInIncludedAndOnlyItsOwnerReadsIt(@TempDir Path dataDir) throws Exception {
        var sasl = new KafkaSasl(KafkaSasl.USERNAME, SecretFile.generate());
        var connection = new Connection(
                "jdbc:postgresql://127.0.0.1:5432/postgres",
                "postgres",
                "pg:secret=1",
                "127.0.0.1:9092",
                sasl.springProperties());

        var file = connection.write(dataDir);

        var read = new Properties();
        try (var in = Files.newInputStream(file)) {
            read.load(in);
        }
        assertThat(read).containsExactlyInAnyOrderEntriesOf(connection.properties());
        assertThat(read.getProperty("spring.kafka.properties.sasl.jaas.config"))
                .isEqualTo("org.apache.kafka.common.security.scram.ScramLoginModule required username=\"shardflow\""
                        + " password=\"" + sasl.password() + "\";");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(connection.toString()).doesNotContain("pg:secret=1").doesNotContain(sasl.password());
        assertThat(sasl.toString()).doesNotContain(sasl.password());
    }

    @Test
    void aPasswordIsMadeOnceAndReadBackOwnerOnly(@TempDir Path dataDir) throws Exception {
        var file = dataDir.resolve("secret");
        var made = SecretFile.readOrCreate(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        assertThat(SecretFile.readOrCreate(file)).isEqualTo(made);
        assertThat(made).matches("[A-Za-z0-9_-]{43}");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(SecretFile.generate()).isNotEqualTo(made);
    }
}
