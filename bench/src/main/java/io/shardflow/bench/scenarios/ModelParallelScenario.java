package io.shardflow.bench.scenarios;

import io.shardflow.bench.BenchContext;
import io.shardflow.bench.Http;
import io.shardflow.bench.Platform;
import io.shardflow.bench.Report;
import io.shardflow.bench.Scenario;
import io.shardflow.bench.Stats;
import io.shardflow.core.Lookup;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * Model parallelism on two worker processes (one lane each) beside a platform that runs only the API and the
 * scheduler: DATA (each worker holds the whole model), TENSOR 2 and PIPELINE 2 (each holds half), with each
 * worker's peak resident memory, so the memory a split saves and the time it costs sit side by side.
 */
public class ModelParallelScenario implements Scenario {
    /** Room for a window of rows and activations; the parameters live outside the heap, in PyTorch's memory. */
    private static final String HEAP = "512m";

    @Override
    public String name() {
        return "model-parallel";
    }

    @Override
    public String summary() {
        return "TENSOR 2 and PIPELINE 2 against DATA on two worker processes, with peak memory per worker";
    }

    private record Result(String strategy, List<Double> seconds, List<Double> computeShare, List<Long> peakMiB) {}

    @Override
    public Report.Section run(BenchContext context) throws Exception {
        if (context.platform() == null) {
            return new Report.Section(
                    "Model parallelism", "Skipped: it starts worker processes of its own; run it without --api.");
        }
        boolean quick = context.options().quick();
        int width = quick ? 1024 : 4096;
        int rows = quick ? 64 : 256;
        var layers = List.of(width, width, width, width, 10);
        try (var platform = Platform.start(context.jar(), "--shardflow.standalone.services=api,scheduler")) {
            var api = platform.api();
            String modelId = api.ok(
                            "/api/v1/models",
                            Map.of(
                                    "name",
                                    "mp-mlp",
                                    "architecture",
                                    Map.of("kind", "mlp", "layers", layers, "activation", "relu"),
                                    "init",
                                    Map.of("seed", 1)))
                    .get("id")
                    .asString();
            String datasetId = dataset(api, rows, width);
            var strategies = List.of(
                    Map.<String, Object>of("strategy", "DATA", "dataShards", 2),
                    Map.<String, Object>of("strategy", "TENSOR", "modelShards", 2),
                    Map.<String, Object>of("strategy", "PIPELINE", "modelShards", 2, "microBatches", 4));
            var results = new ArrayList<Result>();
            if (quick) {
                // one pair of workers for all three: quicker, but their peak memory is the largest of the three
                try (var one = platform.startWorker(context.jar(), HEAP, "--shardflow.worker.lanes=1");
                        var two = platform.startWorker(context.jar(), HEAP, "--shardflow.worker.lanes=1")) {
                    for (var parallelism : strategies) {
                        results.add(measure(context, api, platform, modelId, datasetId, width, parallelism, one, two));
                    }
                }
            } else {
                for (var parallelism : strategies) {
                    // fresh workers per strategy, so their peak memory is this strategy's
                    try (var one = platform.startWorker(context.jar(), HEAP, "--shardflow.worker.lanes=1");
                            var two = platform.startWorker(context.jar(), HEAP, "--shardflow.worker.lanes=1")) {
                        results.add(measure(context, api, platform, modelId, datasetId, width, parallelism, one, two));
                    }
                }
            }
            return section(layers, rows, results, quick);
        }
    }

    private static Result measure(
            BenchContext context,
            Http api,
            Platform platform,
            String modelId,
            String datasetId,
            int width,
            Map<String, Object> parallelism,
            Platform.Worker one,
            Platform.Worker two)
            throws Exception {
        var result = new Result(
                (String) Lookup.required(parallelism, "strategy"),
                new ArrayList<>(),
                new ArrayList<>(),
                new ArrayList<>());
        run(api, platform.jdbcUrl(), modelId, datasetId, width, parallelism); // warm up, loads the model
        for (int r = 0; r < context.options().repeats(); r++) {
            var timing = run(api, platform.jdbcUrl(), modelId, datasetId, width, parallelism);
            result.seconds().add(timing[0]);
            result.computeShare().add(timing[1]);
        }
        result.peakMiB().add(one.peakResidentMiB());
        result.peakMiB().add(two.peakResidentMiB());
        return result;
    }

    private static Report.Section section(List<Integer> layers, int rows, List<Result> results, boolean quick) {
        double data = Stats.of(results.getFirst().seconds()).median();
        var table = new StringBuilder("""
                | strategy | seconds per job | vs DATA | busiest lane's compute / wall | peak RSS, worker 1 / 2 |
                | --- | --- | --- | --- | --- |
                """);
        for (var r : results) {
            table.append("| %s | %s | %.2f× | %s | %d / %d MiB |\n"
                    .formatted(
                            r.strategy(),
                            Stats.of(r.seconds()).spread("%.2f"),
                            Stats.of(r.seconds()).median() / data,
                            Stats.of(r.computeShare()).spread("%.2f"),
                            r.peakMiB().get(0),
                            r.peakMiB().get(1)));
        }
        long parameters = 0;
        for (int i = 0; i + 1 < layers.size(); i++) {
            parameters += (long) layers.get(i) * layers.get(i + 1) + layers.get(i + 1);
        }
        return new Report.Section("Model parallelism: TENSOR and PIPELINE against DATA", """
            An MLP %s (%.1f M parameters, %d MB of float32) over %d rows, on two worker processes of one lane each \
            and a 512 MB heap (the API and scheduler in a third process); seconds from submit to SUCCEEDED. DATA gives each worker \
            half the rows and the whole model; TENSOR 2 gives each half of every layer (summed or concatenated by \
            the aggregator per layer pair); PIPELINE 2 gives each half the layers, in 4 micro-batches.

            %s
            Where the time goes: "busiest lane's compute / wall" is the share of the job's wall time that its \
            busier worker spent in its shards (reading its part of the model and data, computing, storing the \
            output); the rest is the rounds' way through PostgreSQL and Kafka between layers (TENSOR: one merge \
            per layer pair; PIPELINE: one per stage and micro-batch). A split pays that per round; what it buys is \
            a worker that holds half the parameters.%s
            """.formatted(
                layers,
                parameters / 1e6,
                parameters * 4 / 1_000_000,
                rows,
                table,
                quick ? " (Quick run: the same two workers ran all three, so peak memory is not per strategy.)" : ""));
    }

    /** Seconds from submit to SUCCEEDED, and the busiest worker's compute as a share of that. */
    private static double[] run(
            Http api, String jdbcUrl, String modelId, String datasetId, int width, Map<String, Object> parallelism)
            throws Exception {
        var features = new ArrayList<String>();
        for (int f = 0; f < width; f++) {
            features.add("f" + f);
        }
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "INFERENCE");
        job.put("model", Map.of("id", modelId));
        job.put("dataset", Map.of("id", datasetId, "features", features));
        job.put("parallelism", parallelism);
        String id = api.ok("/api/v1/jobs", job).get("id").asString();
        var done = api.awaitJob(id, 20);
        double seconds = (Instant.parse(done.get("finishedAt").asString()).toEpochMilli()
                        - Instant.parse(done.get("createdAt").asString()).toEpochMilli())
                / 1000.0;
        double busiest = 0;
        try (var c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                var statement = c.prepareStatement(
                        "select max(ms) from (select worker_id, sum(extract(epoch from finished_at - "
                                + "started_at)) as ms from shards where job_id = ? group by worker_id) w")) {
            statement.setObject(1, UUID.fromString(id));
            try (var rs = statement.executeQuery()) {
                rs.next();
                busiest = rs.getDouble(1);
            }
        }
        return new double[] {seconds, busiest / seconds};
    }

    private static String dataset(Http api, int rows, int width) {
        var random = new Random(7);
        var csv = new StringBuilder();
        for (int f = 0; f < width; f++) {
            csv.append(f == 0 ? "" : ",").append('f').append(f);
        }
        csv.append('\n');
        for (int r = 0; r < rows; r++) {
            for (int f = 0; f < width; f++) {
                csv.append(f == 0 ? "" : ",").append(String.format("%.3f", random.nextGaussian()));
            }
            csv.append('\n');
        }
        return api.postCsv("/api/v1/datasets?name=mp-" + UUID.randomUUID(), csv.toString())
                .get("id")
                .asString();
    }
}
