package io.shardflow.standalone;

import java.util.List;
import java.util.Optional;

/**
 * A PostgreSQL server that an operator runs, for the tests that should run against one instead of the embedded
 * server: named by {@code SHARDFLOW_TEST_POSTGRES_URL} (a JDBC URL), with {@code SHARDFLOW_TEST_POSTGRES_USER} and
 * {@code SHARDFLOW_TEST_POSTGRES_PASSWORD}. CI starts Debian's {@code postgresql} package and sets them.
 */
record PostgresServer(String url, String user, String password) {

    static Optional<PostgresServer> fromEnvironment() {
        var url = System.getenv("SHARDFLOW_TEST_POSTGRES_URL");
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(new PostgresServer(
                url,
                Optional.ofNullable(System.getenv("SHARDFLOW_TEST_POSTGRES_USER"))
                        .orElse("postgres"),
                Optional.ofNullable(System.getenv("SHARDFLOW_TEST_POSTGRES_PASSWORD"))
                        .orElse("")));
    }

    /** The settings that point the standalone (and, through its connection file, every service) at this server. */
    List<String> arguments() {
        return List.of(
                "--spring.datasource.url=" + url,
                "--spring.datasource.username=" + user,
                "--spring.datasource.password=" + password);
    }
}
