package io.shardflow.db.datasets;

import io.shardflow.core.Lookup;
import io.shardflow.core.datasets.DatasetFormat;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.db.jdbc.BinaryReads;
import io.shardflow.db.jdbc.JsonColumns;
import io.shardflow.db.jdbc.SqlArgs;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Datasets as columnar float32 chunks. A reader asks for a row range and some columns and gets only the chunks
 * that overlap them, so a shard never loads the whole dataset.
 */
public class DatasetRepository {
    private static final String COLUMNS =
            "id, tenant, name, format, row_count, columns::text as columns, chunk_rows, created_at";

    private final JdbcClient jdbc;
    private final JdbcTemplate template;
    // reads the window after the one a caller computes on; its owner shuts it down
    private final ExecutorService readAhead;

    public DatasetRepository(JdbcClient jdbc, JdbcTemplate template, ExecutorService readAhead) {
        this.jdbc = jdbc;
        this.template = template;
        this.readAhead = readAhead;
    }

    /** Creates an empty dataset; chunks follow with {@link #appendChunk}, then {@link #setRowCount}. */
    public void create(UUID id, String tenant, String name, DatasetFormat format, List<String> columns, int chunkRows) {
        jdbc.sql(
                        "insert into datasets (id, tenant, name, format, row_count, columns, chunk_rows) values (?, ?, ?, ?, 0, cast(? as jsonb), ?)")
                .params(id, tenant, name, format.id(), JsonColumns.write(columns), chunkRows)
                .update();
    }

    /** Stores rows {@code [rowStart, rowStart + rowCount)} of every column; {@code columns[c]} holds column c's values. */
    public void appendChunk(UUID id, int chunkIndex, long rowStart, int rowCount, float[][] columns) {
        var rows = new ArrayList<Object[]>(columns.length);
        for (int c = 0; c < columns.length; c++) {
            rows.add(
                    new Object[] {id, c, chunkIndex, rowStart, rowCount, TensorCodec.floatsToBytes(columns[c], rowCount)
                    });
        }
        template.batchUpdate(
                "insert into dataset_chunks (dataset_id, column_index, chunk_index, row_start, row_count, data) "
                        + "values (?, ?, ?, ?, ?, ?)",
                rows);
    }

    /** The whole of a text dataset, read when asked: prompts are read from it once its size has been checked. */
    public Supplier<byte[]> text(@Nullable DatasetRow dataset) {
        return () -> {
            if (dataset == null) {
                throw new IllegalStateException("no dataset to read");
            }
            return readBytes(dataset, 0, dataset.rows());
        };
    }

    /** Stores bytes {@code [start, start + length)} of a text dataset as one chunk (column 0). */
    public void appendBytes(UUID id, int chunkIndex, long start, byte[] bytes, int length) {
        template.update(
                "insert into dataset_chunks (dataset_id, column_index, chunk_index, row_start, row_count, data) "
                        + "values (?, 0, ?, ?, ?, ?)",
                id,
                chunkIndex,
                start,
                length,
                Arrays.copyOf(bytes, length));
    }

    /** Bytes {@code [start, end)} of a text dataset, reading only the chunks that hold them. */
    public byte[] readBytes(DatasetRow dataset, long start, long end) {
        var out = new byte[Math.toIntExact(end - start)];
        if (out.length == 0) {
            return out;
        }
        BinaryReads.query(
                template,
                "select row_start, row_count, data from dataset_chunks where dataset_id = ? "
                        + "and column_index = 0 and chunk_index between ? and ?",
                rs -> {
                    long chunkStart = rs.getLong(1);
                    byte[] data = rs.getBytes(3);
                    long from = Math.max(start, chunkStart);
                    long to = Math.min(end, chunkStart + rs.getInt(2));
                    System.arraycopy(data, (int) (from - chunkStart), out, (int) (from - start), (int) (to - from));
                },
                dataset.id(),
                (int) (start / dataset.chunkRows()),
                (int) ((end - 1) / dataset.chunkRows()));
        return out;
    }

    public void setRowCount(UUID id, long rows) {
        jdbc.sql("update datasets set row_count = ? where id = ?")
                .params(rows, id)
                .update();
    }

    /** The names of these datasets (those that exist), in one read: for lists that name what each job used. */
    public java.util.Map<UUID, String> names(java.util.Collection<UUID> ids) {
        var names = new java.util.HashMap<UUID, String>();
        if (ids.isEmpty()) {
            return names;
        }
        jdbc.sql("select id, name from datasets where id = any(?)")
                .param(ids.toArray(UUID[]::new))
                .query(rs -> {
                    names.put(rs.getObject(1, UUID.class), rs.getString(2));
                });
        return names;
    }

    public Optional<DatasetRow> find(UUID id) {
        return jdbc.sql("select " + COLUMNS + " from datasets where id = ?")
                .param(id)
                .query(DatasetRepository::map)
                .optional();
    }

    /** A page of the tenant's datasets, newest first; a null {@code tenant} lists every tenant's (operators). */
    public List<DatasetRow> list(@Nullable String tenant, int page, int size) {
        return jdbc.sql("select " + COLUMNS + " from datasets where (cast(? as text) is null or tenant = ?) "
                        + "order by created_at desc, id limit ? offset ?")
                .params(SqlArgs.of(tenant, tenant, size, (long) page * size))
                .query(DatasetRepository::map)
                .list();
    }

    /**
     * Reads rows {@code [start, end)} of the given columns as a row-major matrix {@code [end - start][columns.length]}.
     */
    public float[] readRows(DatasetRow dataset, int[] columns, long start, long end) {
        int rows = Math.toIntExact(end - start);
        int width = columns.length;
        var out = new float[Math.multiplyExact(rows, width)];
        if (rows == 0) {
            return out;
        }
        var positions = new HashMap<Integer, Integer>();
        var indexes = new Integer[width];
        for (int i = 0; i < width; i++) {
            positions.put(columns[i], i);
            indexes[i] = columns[i];
        }
        // a chunk's columns arrive one by one; they are transposed into rows once all of them are here
        var chunks = new TreeMap<Long, ColumnChunks>();
        BinaryReads.query(
                template,
                "select column_index, row_start, row_count, data from dataset_chunks "
                        + "where dataset_id = ? and column_index = any(?) and chunk_index between ? and ?",
                rs -> {
                    long chunkStart = rs.getLong(2);
                    var chunk = chunks.computeIfAbsent(chunkStart, s -> new ColumnChunks(s, new byte[width][]));
                    chunk.columns()[Lookup.required(positions, rs.getInt(1))] = rs.getBytes(4);
                },
                dataset.id(),
                indexes,
                (int) (start / dataset.chunkRows()),
                (int) ((end - 1) / dataset.chunkRows()));
        for (var chunk : chunks.values()) {
            chunk.transposeInto(out, start, end);
        }
        return out;
    }

    /** The requested columns of one stored chunk, column-major as stored. */
    private record ColumnChunks(long rowStart, byte[][] columns) {
        // rows moved per pass: a block of the output stays in cache while every column writes into it
        private static final int BLOCK_ROWS = 256;

        void transposeInto(float[] out, long start, long end) {
            int width = columns.length;
            for (int c = 0; c < width; c++) {
                if (columns[c] == null) {
                    throw new IllegalStateException(
                            "the dataset's chunk at row " + rowStart + " lacks a requested column");
                }
            }
            int chunkRows = columns[0].length / Float.BYTES;
            long from = Math.max(start, rowStart);
            long to = Math.min(end, rowStart + chunkRows);
            for (long block = from; block < to; block += BLOCK_ROWS) {
                int count = (int) Math.min(BLOCK_ROWS, to - block);
                for (int c = 0; c < width; c++) {
                    TensorCodec.bytesToFloats(
                            columns[c], (int) (block - rowStart), count, out, (int) (block - start) * width + c, width);
                }
            }
        }
    }

    /** Receives rows {@code [from, to)} as a row-major matrix of the requested columns. */
    @FunctionalInterface
    public interface Window {
        void accept(long from, long to, float[] rows);
    }

    /** Takes one window of rows and says whether to read on. */
    @FunctionalInterface
    public interface WindowWhile {
        boolean accept(long from, long to, float[] rows);
    }

    /**
     * Reads rows {@code [start, end)} a window of at most {@code windowRows} rows at a time, in order. Windows end
     * on chunk boundaries where they can, so that no chunk is read for two windows. Outside a transaction the next
     * window is read while the caller works on this one, so the database's work overlaps the caller's; inside one,
     * every read stays on the transaction's connection.
     */
    public void forEachWindow(DatasetRow dataset, int[] columns, long start, long end, int windowRows, Window window) {
        forEachWindowWhile(dataset, columns, start, end, windowRows, (from, to, rows) -> {
            window.accept(from, to, rows);
            return true;
        });
    }

    /** As {@link #forEachWindow}, until {@code window} says to stop; returns the row it stopped before. */
    public long forEachWindowWhile(
            DatasetRow dataset, int[] columns, long start, long end, int windowRows, WindowWhile window) {
        return forEachWindowWhile(dataset, columns, start, end, () -> windowRows, window);
    }

    /**
     * As {@link #forEachWindow}, with each window's size asked of {@code windowRows} as the window before it is read
     * (so a caller can size windows by how long the last ones took), until {@code window} says to stop; returns the
     * row it stopped before.
     */
    public long forEachWindowWhile(
            DatasetRow dataset, int[] columns, long start, long end, IntSupplier windowRows, WindowWhile window) {
        if (start >= end) {
            return end;
        }
        int chunkRows = dataset.chunkRows();
        boolean overlap = !TransactionSynchronizationManager.isActualTransactionActive();
        long from = start;
        long to = windowEnd(chunkRows, from, end, windowRows.getAsInt());
        float[] rows = readRows(dataset, columns, from, to);
        while (true) {
            long nextFrom = to;
            long nextTo = nextFrom < end ? windowEnd(chunkRows, nextFrom, end, windowRows.getAsInt()) : end;
            Future<float[]> next = overlap && nextFrom < end
                    ? readAhead.submit(() -> readRows(dataset, columns, nextFrom, nextTo))
                    : null;
            boolean readOn;
            try {
                readOn = window.accept(from, to, rows);
            } catch (RuntimeException | Error e) {
                if (next != null) {
                    next.cancel(true);
                }
                throw e;
            }
            if (!readOn || nextFrom >= end) {
                if (next != null) {
                    next.cancel(true);
                }
                return to;
            }
            rows = next != null ? await(next) : readRows(dataset, columns, nextFrom, nextTo);
            from = nextFrom;
            to = nextTo;
        }
    }

    /** The end of the window from {@code from}: at most {@code windowRows} rows, cut at a chunk's end if one is inside. */
    private static long windowEnd(int chunkRows, long from, long end, int windowRows) {
        long to = Math.min(end, from + Math.max(1, windowRows));
        long aligned = to / chunkRows * chunkRows;
        return to < end && aligned > from ? aligned : to;
    }

    private static float[] await(Future<float[]> read) {
        try {
            return read.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("reading a dataset window failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading a dataset window", e);
        }
    }

    @SuppressWarnings("unchecked")
    private static DatasetRow map(ResultSet rs, int row) throws SQLException {
        return new DatasetRow(
                rs.getObject("id", UUID.class),
                rs.getString("tenant"),
                rs.getString("name"),
                DatasetFormat.of(rs.getString("format")),
                rs.getLong("row_count"),
                List.copyOf(JsonColumns.read(rs.getString("columns"), List.class)),
                rs.getInt("chunk_rows"),
                rs.getTimestamp("created_at").toInstant());
    }
}
