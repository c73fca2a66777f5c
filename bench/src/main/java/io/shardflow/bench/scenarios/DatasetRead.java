package io.shardflow.bench.scenarios;

import io.shardflow.db.datasets.DatasetRepository;
import java.util.ArrayList;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

/**
 * The worker's read of a shard's rows, done from the bench against the platform's database with the worker's own
 * code ({@link DatasetRepository#forEachWindowWhile}), on one connection per lane, each lane its share of the rows. What
 * the job pays for its input, without the job.
 */
final class DatasetRead {
    private DatasetRead() {}

    /** Seconds to read every row on {@code lanes} connections at once, or NaN when the database is unknown. */
    static double seconds(@Nullable String jdbcUrl, String datasetId, long rows, int lanes) throws Exception {
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

    /** The lanes' own read: the platform's dataset repository, window by window, on one connection. */
    private static void read(String jdbcUrl, UUID dataset, long start, long end) {
        var template = new JdbcTemplate(new SingleConnectionDataSource(jdbcUrl, "postgres", "", true));
        try (var readAhead = Executors.newVirtualThreadPerTaskExecutor()) {
            var datasets = new DatasetRepository(JdbcClient.create(template), template, readAhead);
            int[] columns = IntStream.range(0, InferenceWorkload.INPUTS).toArray();
            datasets.forEachWindowWhile(
                    datasets.find(dataset).orElseThrow(),
                    columns,
                    start,
                    end,
                    () -> DirectDjl.WINDOW_ROWS,
                    (from, to, window) -> true);
        }
    }
}
