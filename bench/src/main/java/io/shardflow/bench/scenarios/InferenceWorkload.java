package io.shardflow.bench.scenarios;

import io.shardflow.bench.Http;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The batch-inference workload the inference scenarios share: a dataset of {@code rows} × 64 numbers, uploaded as
 * a CSV generated while it streams out (the bench never holds it), and the MLP [64, 512, 512, 10] with ReLU and
 * seeded random weights. Prepared once per platform and row count, so scenarios run alone or together.
 */
final class InferenceWorkload {
    static final int[] LAYERS = {64, 512, 512, 10};
    static final int INPUTS = LAYERS[0];
    /** Multiply-adds of one row's forward pass, counted as two FLOPs each; the bias and ReLU are left out. */
    static final double FLOPS_PER_ROW = flopsPerRow();

    private static final Map<String, Prepared> PREPARED = new ConcurrentHashMap<>();

    private InferenceWorkload() {}

    /**
     * @param modelId the MLP
     * @param linearId a linear model 64 → 10 over the same features: its job costs the platform what the MLP's
     *     costs except the MLP's arithmetic (a 64×10 product is 1/470 of it)
     */
    record Prepared(String modelId, String linearId, String datasetId, long rows, double uploadSeconds) {}

    /** A finished job: its id, the wall time from submit to SUCCEEDED seen by the poller, and both instants. */
    record Run(String jobId, double seconds, Instant submitted, Instant seen) {}

    static Prepared prepare(Http api, long rows) {
        return PREPARED.computeIfAbsent(api.base() + "#" + rows, key -> {
            long started = System.nanoTime();
            String datasetId = api.upload(
                            "/api/v1/datasets?name=bench-inference-" + rows, "text/csv", () -> new CsvRows(rows, 1))
                    .get("id")
                    .asString();
            double upload = (System.nanoTime() - started) / 1e9;
            String modelId = api.ok(
                            "/api/v1/models",
                            Map.of(
                                    "name",
                                    "bench-mlp",
                                    "architecture",
                                    Map.of("kind", "mlp", "layers", List.of(64, 512, 512, 10), "activation", "relu"),
                                    "init",
                                    Map.of("seed", 1)))
                    .get("id")
                    .asString();
            String linearId = api.ok(
                            "/api/v1/models",
                            Map.of(
                                    "name",
                                    "bench-linear",
                                    "architecture",
                                    Map.of("kind", "linear", "inputs", INPUTS, "outputs", 10),
                                    "init",
                                    Map.of("seed", 1)))
                    .get("id")
                    .asString();
            return new Prepared(modelId, linearId, datasetId, rows, upload);
        });
    }

    static List<String> features() {
        var names = new ArrayList<String>();
        for (int i = 0; i < INPUTS; i++) {
            names.add("f" + i);
        }
        return names;
    }

    /** Submits a DATA job over every live lane and polls until it succeeds. */
    static Run run(Http api, Prepared prepared) throws InterruptedException {
        return run(api, prepared.modelId(), prepared.datasetId());
    }

    /** Submits a DATA job of {@code modelId} over the dataset's 64 features on every live lane; polls until it succeeds. */
    static Run run(Http api, String modelId, String datasetId) throws InterruptedException {
        var body = new LinkedHashMap<String, Object>();
        body.put("type", "INFERENCE");
        body.put("model", Map.of("id", modelId));
        body.put("dataset", Map.of("id", datasetId, "features", features()));
        body.put("parallelism", Map.of("strategy", "DATA"));
        var submitted = Instant.now();
        long started = System.nanoTime();
        String jobId = api.ok("/api/v1/jobs", body).get("id").asString();
        api.awaitJob(jobId, 20);
        return new Run(jobId, (System.nanoTime() - started) / 1e9, submitted, Instant.now());
    }

    /** The live lanes the platform's worker reports in its health details (0 when it does not say). */
    static int lanes(Http api) {
        return api.get("/actuator/health")
                .body()
                .path("components")
                .path("worker")
                .path("details")
                .path("lanes")
                .asInt(0);
    }

    private static double flopsPerRow() {
        double macs = 0;
        for (int i = 0; i + 1 < LAYERS.length; i++) {
            macs += (double) LAYERS[i] * LAYERS[i + 1];
        }
        return 2 * macs;
    }

    /**
     * A CSV of {@code rows} rows of 64 values in [-1, 1) with two decimals, made as it is read: a header, then one
     * line at a time from a seeded generator.
     */
    static final class CsvRows extends InputStream {
        private static final byte[][] VALUES = new byte[200][];
        private final long rows;
        private long row = -1;
        private long state;
        private final byte[] line = new byte[INPUTS * 6 + 1];
        private int lineLength;
        private int position;

        static {
            for (int i = 0; i < VALUES.length; i++) {
                VALUES[i] = String.format("%.2f", (i - 100) / 100.0).getBytes(StandardCharsets.US_ASCII);
            }
        }

        CsvRows(long rows, long seed) {
            this.rows = rows;
            this.state = seed * 0x9E3779B97F4A7C15L + 1;
            var header = new StringBuilder();
            for (int i = 0; i < INPUTS; i++) {
                header.append(i == 0 ? "" : ",").append('f').append(i);
            }
            byte[] bytes = header.append('\n').toString().getBytes(StandardCharsets.US_ASCII);
            System.arraycopy(bytes, 0, line, 0, bytes.length);
            lineLength = bytes.length;
        }

        private boolean nextLine() {
            if (++row >= rows) {
                return false;
            }
            int n = 0;
            for (int c = 0; c < INPUTS; c++) {
                state ^= state << 13;
                state ^= state >>> 7;
                state ^= state << 17;
                byte[] v = VALUES[(int) Long.remainderUnsigned(state, VALUES.length)];
                if (c > 0) {
                    line[n++] = ',';
                }
                System.arraycopy(v, 0, line, n, v.length);
                n += v.length;
            }
            line[n++] = '\n';
            lineLength = n;
            position = 0;
            return true;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (length == 0) {
                return 0;
            }
            int written = 0;
            while (written < length) {
                if (position == lineLength && !nextLine()) {
                    break;
                }
                int n = Math.min(length - written, lineLength - position);
                System.arraycopy(line, position, buffer, offset + written, n);
                position += n;
                written += n;
            }
            return written == 0 ? -1 : written;
        }
    }
}
