package io.shardflow.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The embedded PostgreSQL lets in only who has its password: a connection without one, or with a wrong one, is
 * refused, the one in {@code connection.properties} works, and the server is out of reach of other machines. A data
 * folder from a version that trusted every local connection gets a password on its first start, keeps its data, and
 * keeps the password over restarts.
 */
class PostgresCredentialsIT {

    @Test
    void onlyThePasswordInTheConnectionFileLetsIn() throws Exception {
        var dataDir = TestPlatform.tempDirectory();
        try (var servers =
                ShardflowStandalone.start(TestPlatform.embedded(dataDir, "--shardflow.standalone.services=none"))) {
            var file = TestPlatform.connectionFile(servers);
            var url = file.getProperty("spring.datasource.url");
            var user = file.getProperty("spring.datasource.username");
            var password = file.getProperty("spring.datasource.password");
            assertThat(url).startsWith("jdbc:postgresql://127.0.0.1:");
            assertThat(password).hasSizeGreaterThanOrEqualTo(32);
            assertThat(Files.readString(dataDir.resolve(ShardflowStandalone.POSTGRES_PASSWORD))
                            .strip())
                    .isEqualTo(password);
            assertThat(Files.getPosixFilePermissions(dataDir.resolve(ShardflowStandalone.POSTGRES_PASSWORD)))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));

            assertThatThrownBy(() -> query(url, user, "", "select 1"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("requested SCRAM-based authentication");
            assertThatThrownBy(() -> query(url, user, password + "x", "select 1"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("password authentication failed");

            assertThat(query(url, user, password, "show listen_addresses")).containsExactly("127.0.0.1");
            // the rules in force, the local socket's included: a password for everyone, trust for no one
            assertThat(query(url, user, password, "select type || ' ' || auth_method from pg_hba_file_rules"))
                    .containsExactly("local scram-sha-256", "host scram-sha-256");
            int port = Integer.parseInt(url.replaceAll(".*:(\\d+)/.*", "$1"));
            LocalNetwork.assertNotReachableFromOutside(port);
        }
    }

    @Test
    void aFolderThatTrustedEveryoneGetsAPasswordAndKeepsItsData() throws Exception {
        var dataDir = TestPlatform.tempDirectory();
        var postgresDir = dataDir.resolve("postgres");
        // as earlier versions left it: initdb's trust for every local connection, no password file
        try (var old = EmbeddedPostgres.builder()
                        .setDataDirectory(postgresDir)
                        .setCleanDataDirectory(false)
                        .setRegisterShutdownHook(false)
                        .start();
                var connection = old.getPostgresDatabase().getConnection();
                var statement = connection.createStatement()) {
            statement.execute("create table kept (v text)");
            statement.execute("insert into kept values ('from before')");
        }
        var passwordFile = dataDir.resolve(ShardflowStandalone.POSTGRES_PASSWORD);
        String password;
        try (var server = EmbeddedPostgresServer.start(postgresDir, passwordFile, LocalAddress.LOOPBACK, 0, true)) {
            password = server.password();
            assertThat(Files.readString(passwordFile).strip()).isEqualTo(password);
            assertThat(query(server.jdbcUrl(), "postgres", password, "select v from kept"))
                    .containsExactly("from before");
            assertThatThrownBy(() -> query(server.jdbcUrl(), "postgres", "", "select 1"))
                    .isInstanceOf(SQLException.class);
        }
        try (var server = EmbeddedPostgresServer.start(postgresDir, passwordFile, LocalAddress.LOOPBACK, 0, true)) {
            assertThat(server.password()).isEqualTo(password);
            assertThat(query(server.jdbcUrl(), "postgres", password, "select v from kept"))
                    .containsExactly("from before");
            assertThatThrownBy(() -> query(server.jdbcUrl(), "postgres", "", "select 1"))
                    .isInstanceOf(SQLException.class);
        }
    }

    private static List<String> query(String url, String user, String password, String sql) throws SQLException {
        try (var connection = DriverManager.getConnection(url, user, password);
                var statement = connection.createStatement();
                var rows = statement.executeQuery(sql)) {
            var values = new ArrayList<String>();
            while (rows.next()) {
                values.add(rows.getString(1));
            }
            return values;
        }
    }
}
