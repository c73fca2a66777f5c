package db.migration;

import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.db.models.ModelTiles;
import java.util.UUID;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/** Moves every parameter tensor of V1's {@code model_tensors} into tiles, then drops the old table. */
public class V4__TileModelTensors extends BaseJavaMigration {
    @Override
    public void migrate(Context context) {
        var jdbc = new JdbcTemplate(new SingleConnectionDataSource(context.getConnection(), true));
        var tiles = new ModelTiles(jdbc);
        jdbc.query("select model_id, name, data from model_tensors", rs -> {
            var tensor = TensorCodec.decode(rs.getBytes(3));
            int rows = tensor.shape()[0];
            int cols = tensor.rank() == 2 ? tensor.shape()[1] : 1;
            tiles.write(rs.getObject(1, UUID.class), rs.getString(2), rows, cols, tensor.data());
        });
        jdbc.execute("drop table model_tensors");
    }
}
