package db.migration;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Moves every parameter tensor of V1's {@code model_tensors} into tiles of at most 512 x 512 values (V3's
 * {@code model_tiles}), then drops the old table. An applied migration must never change, so this class carries its
 * own code and uses nothing of the application: it reads V1's tensor format (magic {@code SFT1}, dtype, rank, two
 * reserved bytes, int32 dimensions, then little-endian float32 values) and writes each tile's values as the
 * little-endian float32 bytes they already are.
 */
public class V4__TileModelTensors extends BaseJavaMigration {
    private static final int TILE = 512;
    private static final int MAGIC = 0x31544653;

    @Override
    public void migrate(Context context) throws SQLException {
        var connection = context.getConnection();
        try (var select = connection.createStatement();
                var rows = select.executeQuery("select model_id, name, data from model_tensors")) {
            while (rows.next()) {
                tile(connection, rows.getObject(1, UUID.class), rows.getString(2), rows.getBytes(3));
            }
        }
        try (var drop = connection.createStatement()) {
            drop.execute("drop table model_tensors");
        }
    }

    /** Stores one tensor as tiles; a vector (a bias) is a one-column matrix. */
    private static void tile(Connection connection, UUID model, String name, byte[] tensor) throws SQLException {
        var header = ByteBuffer.wrap(tensor).order(ByteOrder.LITTLE_ENDIAN);
        if (header.getInt() != MAGIC || header.get() != 1) {
            throw new IllegalStateException("tensor " + name + " of model " + model + " is not float32 SFT1");
        }
        int rank = header.get();
        header.getShort();
        int rows = header.getInt();
        int cols = rank == 2 ? header.getInt() : 1;
        int payload = header.position();
        try (var insert = connection.prepareStatement("insert into model_tiles "
                + "(model_id, name, row_start, col_start, rows, cols, data) values (?, ?, ?, ?, ?, ?, ?)")) {
            for (int r0 = 0; r0 < rows; r0 += TILE) {
                for (int c0 = 0; c0 < cols; c0 += TILE) {
                    int tr = Math.min(TILE, rows - r0);
                    int tc = Math.min(TILE, cols - c0);
                    var bytes = new byte[tr * tc * Float.BYTES];
                    for (int r = 0; r < tr; r++) {
                        int from = payload + ((r0 + r) * cols + c0) * Float.BYTES;
                        System.arraycopy(tensor, from, bytes, r * tc * Float.BYTES, tc * Float.BYTES);
                    }
                    insert.setObject(1, model);
                    insert.setString(2, name);
                    insert.setInt(3, r0);
                    insert.setInt(4, c0);
                    insert.setInt(5, tr);
                    insert.setInt(6, tc);
                    insert.setBytes(7, bytes);
                    insert.addBatch();
                }
            }
            insert.executeBatch();
        }
    }
}
