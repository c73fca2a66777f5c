package db.migration;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.db.models.ModelTiles;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/** V4 moves V1's whole tensors into tiles: a database that had them reads back the same values through tiles. */
class TileModelTensorsMigrationIT {

    @Test
    void tensorsStoredWholeBeforeV4AreReadBackTileByTile() throws Exception {
        try (var postgres = EmbeddedPostgres.builder().start()) {
            var dataSource = postgres.getPostgresDatabase();
            Flyway.configure().dataSource(dataSource).target("3").load().migrate();
            var jdbc = new JdbcTemplate(dataSource);
            var model = UUID.randomUUID();
            jdbc.update(
                    "insert into models (id, tenant, name, architecture, parameter_bytes) values (?, 't', 'm', "
                            + "cast(? as jsonb), 0)",
                    model,
                    "{\"kind\":\"linear\",\"inputs\":3,\"outputs\":600}");
            // 600 rows cross a tile boundary at 512; the bias is a vector
            var weight = new float[600 * 3];
            for (int i = 0; i < weight.length; i++) {
                weight[i] = i * 0.5f - 7;
            }
            var bias = new float[600];
            for (int i = 0; i < bias.length; i++) {
                bias[i] = -i;
            }
            jdbc.update(
                    "insert into model_tensors (model_id, name, data) values (?, ?, ?)",
                    model,
                    "weight",
                    TensorCodec.encode(Tensor.matrix(600, 3, weight)));
            jdbc.update(
                    "insert into model_tensors (model_id, name, data) values (?, ?, ?)",
                    model,
                    "bias",
                    TensorCodec.encode(Tensor.vector(bias)));

            Flyway.configure().dataSource(dataSource).load().migrate();

            var tiles = new ModelTiles(jdbc);
            assertThat(tiles.read(model, "weight", 0, 600, 0, 3)).containsExactly(weight);
            assertThat(tiles.read(model, "bias", 0, 600, 0, 1)).containsExactly(bias);
            assertThat(jdbc.queryForObject("select count(*) from model_tiles where model_id = ?", Long.class, model))
                    .isEqualTo(4);
            assertThat(jdbc.queryForObject("select to_regclass('model_tensors') is null", Boolean.class))
                    .isTrue();
        }
    }
}
