package io.shardflow.bench.scenarios;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The worker's read of a shard's rows, done from the bench against the platform's database: per 8,192-row window
 * one query for the 64 columns' chunks that cover it, each chunk's float32 bytes copied into a row-major matrix,
 * on one connection per lane, each lane its share of the rows. What the job pays for its input, without the job.
 */
final class DatasetRead {
    private DatasetRead() {
    }

    /** Seconds to read every row on {@code lanes} connections at once, or NaN when the database is unknown. */
    static double seconds(String jdbcUrl, String datasetId, long rows, int lanes) throws Exception {
        if (jdbcUrl == null) {
            return Double.NaN;
        }
        var pool = Executors.newFixedThreadPool(lanes);
        try {
            var futures = new ArrayList<Future<Object>>();
            long started = System.nanoTime();
            for (int l = 0; l < lanes; l++) {
                long from = rows * l / lanes;
                long to = rows * (l + 1) / lanes;
                futures.add(pool.submit((Callable<Object>) () -> {
                    read(jdbcUrl, UUID.fromString(datasetId), from, to);
                    return null;
                }));
            }
            for (var f : futures) {
                f.get();
            }
            return (System.nanoTime() - started) / 1e9;
        } finally {
            pool.shutdown();
        }
    }

    private static void read(String jdbcUrl, UUID dataset, long start, long end) throws Exception {
        int columns = InferenceWorkload.INPUTS;
        var indexes = new Integer[columns];
        for (int c = 0; c < columns; c++) {
            indexes[c] = c;
        }
        try (var connection = DriverManager.getConnection(jdbcUrl, "postgres", "");
             var chunk = connection.prepareStatement("select chunk_rows from datasets where id = ?");
             var statement = connection.prepareStatement("select column_index, row_start, row_count, data from dataset_chunks "
                 + "where dataset_id = ? and column_index = any(?) and chunk_index between ? and ?")) {
            chunk.setObject(1, dataset);
            int chunkRows;
            try (var rs = chunk.executeQuery()) {
                rs.next();
                chunkRows = rs.getInt(1);
            }
            var array = connection.createArrayOf("integer", indexes);
            for (long from = start; from < end; from += DirectDjl.WINDOW_ROWS) {
                long to = Math.min(end, from + DirectDjl.WINDOW_ROWS);
                var out = new float[(int) (to - from) * columns];
                statement.setObject(1, dataset);
                statement.setArray(2, array);
                statement.setInt(3, (int) (from / chunkRows));
                statement.setInt(4, (int) ((to - 1) / chunkRows));
                try (var rs = statement.executeQuery()) {
                    while (rs.next()) {
                        int column = rs.getInt(1);
                        long chunkStart = rs.getLong(2);
                        long a = Math.max(from, chunkStart);
                        long b = Math.min(to, chunkStart + rs.getInt(3));
                        var floats = ByteBuffer.wrap(rs.getBytes(4)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
                        for (long r = a; r < b; r++) {
                            out[(int) (r - from) * columns + column] = floats.get((int) (r - chunkStart));
                        }
                    }
                }
            }
        }
    }
}
