package io.shardflow.db.models;

import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.db.jdbc.BinaryReads;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Writes and reads parameter matrices as tiles of at most {@link #SIZE} x {@link #SIZE} float32 values, so that a
 * row range or a column range of a weight reads only the tiles it overlaps.
 */
public final class ModelTiles {
    public static final int SIZE = 512;
    /** Tiles per insert batch: at most 16 MiB of values in flight. */
    public static final int BATCH = 16;

    private final JdbcTemplate jdbc;

    public ModelTiles(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** Produces the values of one tile: rows {@code [r0, r0+rows)} and columns {@code [c0, c0+cols)}, row-major. */
    @FunctionalInterface
    public interface TileValues {
        float[] values(int r0, int c0, int rows, int cols);
    }

    /** Stores a {@code rows} x {@code cols} matrix, one tile at a time: only a tile is ever in memory. */
    public void write(UUID modelId, String name, int rows, int cols, TileValues values) {
        write(modelId, name, rows, cols, values, () -> {});
    }

    /**
     * Stores a matrix in batches of at most {@link #BATCH} tiles, running {@code afterBatch} after each: outside a
     * transaction every batch commits on its own, and {@code afterBatch} may stop the writing by throwing.
     */
    public void write(UUID modelId, String name, int rows, int cols, TileValues values, Runnable afterBatch) {
        var batch = new ArrayList<Object[]>();
        for (int r0 = 0; r0 < rows; r0 += SIZE) {
            for (int c0 = 0; c0 < cols; c0 += SIZE) {
                int tr = Math.min(SIZE, rows - r0);
                int tc = Math.min(SIZE, cols - c0);
                float[] tile = values.values(r0, c0, tr, tc);
                batch.add(new Object[] {modelId, name, r0, c0, tr, tc, TensorCodec.floatsToBytes(tile, tile.length)});
                if (batch.size() == BATCH) {
                    flush(batch);
                    afterBatch.run();
                }
            }
        }
        if (!batch.isEmpty()) {
            flush(batch);
            afterBatch.run();
        }
    }

    /** Stores a matrix held in memory (row-major {@code rows} x {@code cols}). */
    public void write(UUID modelId, String name, int rows, int cols, float[] matrix) {
        write(modelId, name, rows, cols, (r0, c0, tr, tc) -> {
            var tile = new float[tr * tc];
            for (int r = 0; r < tr; r++) {
                System.arraycopy(matrix, (r0 + r) * cols + c0, tile, r * tc, tc);
            }
            return tile;
        });
    }

    /** Rows {@code [r0, r1)} and columns {@code [c0, c1)} of a stored matrix, row-major, reading only the tiles they touch. */
    public float[] read(UUID modelId, String name, int r0, int r1, int c0, int c1) {
        int width = c1 - c0;
        var out = new float[Math.multiplyExact(r1 - r0, width)];
        BinaryReads.query(
                jdbc,
                "select row_start, col_start, rows, cols, data from model_tiles where model_id = ? "
                        + "and name = ? and row_start < ? and row_start + rows > ? and col_start < ? and col_start + cols > ?",
                rs -> {
                    int tr0 = rs.getInt(1);
                    int tc0 = rs.getInt(2);
                    int tr = rs.getInt(3);
                    int tc = rs.getInt(4);
                    var tile = new float[tr * tc];
                    TensorCodec.bytesToFloats(rs.getBytes(5), 0, tile.length, tile, 0, 1);
                    int fromRow = Math.max(r0, tr0);
                    int toRow = Math.min(r1, tr0 + tr);
                    int fromCol = Math.max(c0, tc0);
                    int toCol = Math.min(c1, tc0 + tc);
                    for (int r = fromRow; r < toRow; r++) {
                        System.arraycopy(
                                tile,
                                (r - tr0) * tc + (fromCol - tc0),
                                out,
                                (r - r0) * width + (fromCol - c0),
                                toCol - fromCol);
                    }
                },
                modelId,
                name,
                r1,
                r0,
                c1,
                c0);
        return out;
    }

    private void flush(List<Object[]> batch) {
        if (!batch.isEmpty()) {
            jdbc.batchUpdate(
                    "insert into model_tiles (model_id, name, row_start, col_start, rows, cols, data) "
                            + "values (?, ?, ?, ?, ?, ?, ?)",
                    batch);
            batch.clear();
        }
    }
}
