package io.shardflow.db.datasets;

import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.tensors.TensorCodec;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Datasets as columnar float32 chunks. A reader asks for a row range and some columns and gets only the chunks
 * that overlap them, so a shard never loads the whole dataset.
 */
public class DatasetRepository {
    private static final String COLUMNS = "id, tenant, name, format, row_count, columns::text as columns, chunk_rows, created_at";

    private final JdbcClient jdbc;
    private final JdbcTemplate template;

    public DatasetRepository(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    /** Creates an empty dataset; chunks follow with {@link #appendChunk}, then {@link #setRowCount}. */
    public void create(UUID id, String tenant, String name, String format, List<String> columns, int chunkRows) {
        jdbc.sql("insert into datasets (id, tenant, name, format, row_count, columns, chunk_rows) values (?, ?, ?, ?, 0, cast(? as jsonb), ?)")
            .params(id, tenant, name, format, new String(MessageCodec.encode(columns), StandardCharsets.UTF_8), chunkRows)
            .update();
    }

    /** Stores rows {@code [rowStart, rowStart + rowCount)} of every column; {@code columns[c]} holds column c's values. */
    public void appendChunk(UUID id, int chunkIndex, long rowStart, int rowCount, float[][] columns) {
        var rows = new ArrayList<Object[]>(columns.length);
        for (int c = 0; c < columns.length; c++) {
            rows.add(new Object[] {id, c, chunkIndex, rowStart, rowCount, TensorCodec.floatsToBytes(columns[c], rowCount)});
        }
        template.batchUpdate("insert into dataset_chunks (dataset_id, column_index, chunk_index, row_start, row_count, data) "
            + "values (?, ?, ?, ?, ?, ?)", rows);
    }

    /** Stores bytes {@code [start, start + length)} of a text dataset as one chunk (column 0). */
    public void appendBytes(UUID id, int chunkIndex, long start, byte[] bytes, int length) {
        template.update("insert into dataset_chunks (dataset_id, column_index, chunk_index, row_start, row_count, data) "
            + "values (?, 0, ?, ?, ?, ?)", id, chunkIndex, start, length, java.util.Arrays.copyOf(bytes, length));
    }

    /** Bytes {@code [start, end)} of a text dataset, reading only the chunks that hold them. */
    public byte[] readBytes(DatasetRow dataset, long start, long end) {
        var out = new byte[Math.toIntExact(end - start)];
        if (out.length == 0) {
            return out;
        }
        jdbc.sql("select row_start, row_count, data from dataset_chunks where dataset_id = ? and column_index = 0 "
                + "and chunk_index between ? and ?")
            .params(dataset.id(), (int) (start / dataset.chunkRows()), (int) ((end - 1) / dataset.chunkRows()))
            .query(rs -> {
                long chunkStart = rs.getLong(1);
                byte[] data = rs.getBytes(3);
                long from = Math.max(start, chunkStart);
                long to = Math.min(end, chunkStart + rs.getInt(2));
                System.arraycopy(data, (int) (from - chunkStart), out, (int) (from - start), (int) (to - from));
            });
        return out;
    }

    public void setRowCount(UUID id, long rows) {
        jdbc.sql("update datasets set row_count = ? where id = ?").params(rows, id).update();
    }

    public Optional<DatasetRow> find(UUID id) {
        return jdbc.sql("select " + COLUMNS + " from datasets where id = ?").param(id).query(DatasetRepository::map).optional();
    }

    public List<DatasetRow> list(String tenant, int page, int size) {
        return jdbc.sql("select " + COLUMNS + " from datasets where (cast(? as text) is null or tenant = ?) "
                + "order by created_at desc, id limit ? offset ?")
            .params(tenant, tenant, size, (long) page * size).query(DatasetRepository::map).list();
    }

    /**
     * Reads rows {@code [start, end)} of the given columns as a row-major matrix {@code [end - start][columns.length]}.
     */
    public float[] readRows(DatasetRow dataset, int[] columns, long start, long end) {
        int rows = Math.toIntExact(end - start);
        var out = new float[Math.multiplyExact(rows, columns.length)];
        if (rows == 0) {
            return out;
        }
        int firstChunk = (int) (start / dataset.chunkRows());
        int lastChunk = (int) ((end - 1) / dataset.chunkRows());
        var positions = new HashMap<Integer, Integer>();
        var indexes = new Integer[columns.length];
        for (int i = 0; i < columns.length; i++) {
            positions.put(columns[i], i);
            indexes[i] = columns[i];
        }
        jdbc.sql("select column_index, row_start, row_count, data from dataset_chunks where dataset_id = ? "
                + "and column_index = any(?) and chunk_index between ? and ?")
            .params(dataset.id(), indexes, firstChunk, lastChunk)
            .query(rs -> {
                int position = positions.get(rs.getInt(1));
                long chunkStart = rs.getLong(2);
                int chunkRows = rs.getInt(3);
                long from = Math.max(start, chunkStart);
                long to = Math.min(end, chunkStart + chunkRows);
                TensorCodec.bytesToFloats(rs.getBytes(4), (int) (from - chunkStart), (int) (to - from), out,
                    (int) (from - start) * columns.length + position, columns.length);
            });
        return out;
    }

    /** Receives rows {@code [from, to)} as a row-major matrix of the requested columns. */
    @FunctionalInterface
    public interface Window {
        void accept(long from, long to, float[] rows);
    }

    /** Reads rows {@code [start, end)} a window of at most {@code windowRows} rows at a time, in order. */
    public void forEachWindow(DatasetRow dataset, int[] columns, long start, long end, int windowRows, Window window) {
        for (long from = start; from < end; from += windowRows) {
            long to = Math.min(end, from + windowRows);
            window.accept(from, to, readRows(dataset, columns, from, to));
        }
    }

    @SuppressWarnings("unchecked")
    private static DatasetRow map(ResultSet rs, int row) throws SQLException {
        return new DatasetRow(rs.getObject("id", UUID.class), rs.getString("tenant"), rs.getString("name"),
            rs.getString("format"), rs.getLong("row_count"),
            List.copyOf(MessageCodec.decode(rs.getBytes("columns"), List.class)), rs.getInt("chunk_rows"),
            rs.getTimestamp("created_at").toInstant());
    }
}
