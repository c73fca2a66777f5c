package io.shardflow.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.core.shards.ShardStatus;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The query KEDA scales the workers on, as the chart renders it, run on a real PostgreSQL migrated by the services'
 * own scripts: it must still parse when the schema changes, and count exactly the shards that wait for a lane or
 * hold one.
 */
class KedaQueryTest {

    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void migrate() throws Exception {
        postgres = EmbeddedPostgres.builder().start();
        Flyway.configure()
                .dataSource(postgres.getPostgresDatabase())
                .locations("filesystem:"
                        + System.getProperty("shardflow.migrations", "../db/src/main/resources/db/migration"))
                .load()
                .migrate();
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.close();
    }

    @Test
    void theRenderedQueryCountsTheShardsThatWaitForALaneOrHoldOne() throws SQLException {
        var query = renderedQuery();
        assertThat(query).isEqualTo(AutoscalingTest.QUERY);

        try (var connection = postgres.getPostgresDatabase().getConnection()) {
            assertThat(count(connection, query)).isZero();

            var job = UUID.randomUUID();
            try (var insert = connection.prepareStatement("insert into jobs (id, tenant, type, status, spec)"
                    + " values (?, 'acme', 'INFERENCE', 'RUNNING', '{}'::jsonb)")) {
                insert.setObject(1, job);
                insert.executeUpdate();
            }
            // one shard in every status the services know, once taking a lane and once joining a batch instead
            var index = 0;
            for (var status : ShardStatus.values()) {
                for (var takesLane : List.of(true, false)) {
                    try (var insert = connection.prepareStatement("insert into shards (job_id, step, stage,"
                            + " shard_index, status, row_start, row_end, max_attempts, takes_lane)"
                            + " values (?, 0, 0, ?, ?, 0, 10, 3, ?)")) {
                        insert.setObject(1, job);
                        insert.setInt(2, index++);
                        insert.setString(3, status.name());
                        insert.setBoolean(4, takesLane);
                        insert.executeUpdate();
                    }
                }
            }

            var waitingOrRunning = List.of(ShardStatus.values()).stream()
                    .filter(s -> !s.isTerminal())
                    .count();
            assertThat(waitingOrRunning).as("PENDING, DISPATCHED and RUNNING").isEqualTo(3);
            assertThat(count(connection, query)).isEqualTo(waitingOrRunning);
        }
    }

    private static long count(Connection connection, String query) throws SQLException {
        try (var statement = connection.createStatement();
                var rows = statement.executeQuery(query)) {
            assertThat(rows.next()).isTrue();
            return rows.getLong(1);
        }
    }

    @SuppressWarnings("unchecked")
    private static String renderedQuery() {
        var scaledObject = Chart.withDefaults()
                .set("worker.autoscaling.enabled", true)
                .render()
                .untyped("ScaledObject")
                .getFirst();
        var spec = (Map<String, Object>) scaledObject.get("spec");
        var trigger = ((List<Map<String, Object>>) spec.get("triggers")).getFirst();
        return (String) ((Map<String, Object>) trigger.get("metadata")).get("query");
    }
}
