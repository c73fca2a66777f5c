package io.shardflow.bench.scenarios;

import io.shardflow.bench.BenchContext;
import io.shardflow.bench.Http;
import io.shardflow.bench.Report;
import io.shardflow.bench.Scenario;
import io.shardflow.bench.Stats;
import java.sql.DriverManager;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.ToDoubleFunction;
import tools.jackson.databind.JsonNode;

/**
 * What synchronous data-parallel training costs besides its compute: per round (one optimiser step), the job's
 * wall time minus the time its shards computed. A small model shows the overhead alone; a model whose round
 * computes for over 100 ms shows the efficiency (compute / wall) a user gets when steps are worth distributing.
 */
public class TrainingRoundsScenario implements Scenario {
    private static final int LANES = 2;

    @Override
    public String name() {
        return "training-rounds";
    }

    @Override
    public String summary() {
        return "synchronous training: wall time per round minus compute, 2 and 4 shards, small and large rounds";
    }

    /**
     * A run's figures; {@code outMillis} and {@code backMillis} are medians over its rounds of the two ways between
     * compute: from the aggregator taking the last notice of a round to a lane starting the next round, and from
     * the last lane's end to the aggregator taking its notice.
     */
    private record Run(double wallMillis, double computeMillis, int rounds, double outMillis, double backMillis) {
        double overheadPerRound() {
            return (wallMillis - computeMillis) / rounds;
        }

        double efficiency() {
            return computeMillis / wallMillis;
        }
    }

    @Override
    public Report.Section run(BenchContext context) throws Exception {
        if (context.jdbcUrl() == null) {
            return new Report.Section(
                    "Training round overhead",
                    "Skipped: the shards' compute times are read from the "
                            + "platform's database; give --jdbc with --api.");
        }
        var api = context.api();
        boolean quick = context.options().quick();
        int smallSteps = quick ? 10 : 60;
        int largeSteps = quick ? 3 : 10;
        int largeBatch = quick ? 4096 : 8192;
        String small = dataset(api, 4096, 16);
        String large = dataset(api, 2 * largeBatch, 64);
        train(api, context.jdbcUrl(), small, 16, List.of(16, 32, 1), 2, smallSteps, 256); // warm up
        var smallRuns = new ArrayList<List<Run>>(List.of(new ArrayList<>(), new ArrayList<>()));
        var largeRuns = new ArrayList<Run>();
        for (int r = 0; r < context.options().repeats(); r++) {
            for (int i = 0; i < 2; i++) {
                smallRuns
                        .get(i)
                        .add(train(
                                api,
                                context.jdbcUrl(),
                                small,
                                16,
                                List.of(16, 32, 1),
                                i == 0 ? 2 : 4,
                                smallSteps,
                                256));
            }
            largeRuns.add(
                    train(api, context.jdbcUrl(), large, 64, List.of(64, 512, 512, 1), 2, largeSteps, largeBatch));
        }
        var two = smallRuns.get(0);
        var four = smallRuns.get(1);
        return new Report.Section("Synchronous training: round overhead", """
            Small rounds: an MLP [16, 32, 1] on 4,096 rows, global batch 256, %d steps of synchronous SGD (one round \
            per step: every shard computes its gradients from the same parameters, the aggregator averages them and \
            applies Adam). Large rounds: an MLP [64, 512, 512, 1], global batch %d, %d steps on 2 shards. Compute \
            per round is the slower lane's share of the shards' own times (claim to stored partial); overhead is the \
            rest of the wall time. Aim: ≤ 5 ms overhead per round on 2 shards, ≤ 8 ms on 4; ≥ 0.85 efficiency when a round computes ≥ 100 ms.

            | | wall per round | compute per round | overhead per round | efficiency |
            | --- | --- | --- | --- | --- |
            | small, 2 shards | %s ms | %s ms | %s ms | %s |
            | small, 4 shards | %s ms | %s ms | %s ms | %s |
            | large, 2 shards | %s ms | %s ms | %s ms | %s |

            Where the time goes in a round, from the platform's own timestamps (each its transaction's start; \
            medians over the rounds, then over the runs), for small rounds on 2 and 4 shards and large ones: from \
            the aggregator taking the round's last notice to a lane starting the next round %s, %s and %s ms (the \
            merge: partials read, gradients averaged, Adam, the new parameter version and its metrics stored, the \
            next round's shards and tasks written, the commit; the outbox relay and a Kafka hop; the lane's claim); \
            from the last lane's end to the aggregator taking its notice %s, %s and %s ms (the partial stored, the \
            commit, the relay and a Kafka hop). The rest of the overhead is the aggregator's handling of the other \
            shards' notices and a lane's way from claiming its task to computing (the job and the parameter version \
            read and decoded), counted in the shards' own times above. Each hop costs a database commit and a \
            broker round trip on the same two cores that compute.
            """.formatted(
                        smallSteps,
                        largeBatch,
                        largeSteps,
                        perRound(two, Run::wallMillis),
                        perRound(two, Run::computeMillis),
                        stat(two, Run::overheadPerRound, "%.1f"),
                        stat(two, Run::efficiency, "%.2f"),
                        perRound(four, Run::wallMillis),
                        perRound(four, Run::computeMillis),
                        stat(four, Run::overheadPerRound, "%.1f"),
                        stat(four, Run::efficiency, "%.2f"),
                        perRound(largeRuns, Run::wallMillis),
                        perRound(largeRuns, Run::computeMillis),
                        stat(largeRuns, Run::overheadPerRound, "%.1f"),
                        stat(largeRuns, Run::efficiency, "%.2f"),
                        stat(two, Run::outMillis, "%.1f"),
                        stat(four, Run::outMillis, "%.1f"),
                        stat(largeRuns, Run::outMillis, "%.1f"),
                        stat(two, Run::backMillis, "%.1f"),
                        stat(four, Run::backMillis, "%.1f"),
                        stat(largeRuns, Run::backMillis, "%.1f")));
    }

    private static String perRound(List<Run> runs, ToDoubleFunction<Run> total) {
        return Stats.of(runs.stream()
                        .map(r -> total.applyAsDouble(r) / r.rounds())
                        .toList())
                .spread("%.1f");
    }

    private static String stat(List<Run> runs, ToDoubleFunction<Run> value, String format) {
        return Stats.of(runs.stream().map(value::applyAsDouble).toList()).spread(format);
    }

    private static String dataset(Http api, int rows, int features) {
        var random = new Random(rows + features);
        var csv = new StringBuilder();
        for (int f = 0; f < features; f++) {
            csv.append('f').append(f).append(',');
        }
        csv.append("y\n");
        for (int r = 0; r < rows; r++) {
            double y = 0;
            for (int f = 0; f < features; f++) {
                double x = random.nextGaussian();
                y += x * ((f % 3) - 1);
                csv.append(String.format("%.4f", x)).append(',');
            }
            csv.append(String.format("%.4f", y)).append('\n');
        }
        return api.postCsv("/api/v1/datasets?name=rounds-" + UUID.randomUUID(), csv.toString())
                .get("id")
                .asString();
    }

    private static Run train(
            Http api,
            String jdbcUrl,
            String dataset,
            int features,
            List<Integer> layers,
            int shards,
            int steps,
            int batch)
            throws Exception {
        var names = new ArrayList<String>();
        for (int f = 0; f < features; f++) {
            names.add("f" + f);
        }
        var job = Map.of(
                "type",
                "TRAINING",
                "model",
                Map.of("architecture", Map.of("kind", "mlp", "layers", layers, "activation", "relu")),
                "dataset",
                Map.of("id", dataset, "features", names, "label", "y"),
                "parallelism",
                Map.of("strategy", "DATA", "dataShards", shards),
                "training",
                Map.of("steps", steps, "batchSize", batch, "optimizer", "adam", "learningRate", 0.001, "seed", 1));
        String id = api.ok("/api/v1/jobs", job).get("id").asString();
        JsonNode done = api.awaitJob(id, 20);
        double wall = (Instant.parse(done.get("finishedAt").asString()).toEpochMilli()
                - Instant.parse(done.get("startedAt").asString()).toEpochMilli());
        double[] legs = legs(jdbcUrl, id);
        return new Run(wall, compute(jdbcUrl, id), steps, legs[0], legs[1]);
    }

    /** Medians over the job's rounds of the way out (aggregator to lane) and the way back (lane to aggregator). */
    private static double[] legs(String jdbcUrl, String jobId) throws Exception {
        String sql = """
            with r as (select min(dispatched_at) as d, min(started_at) as s, max(finished_at) as f from shards
                       where job_id = ? group by step, stage),
                 n as (select d, s, f, lead(d) over (order by d) as next from r)
            select percentile_cont(0.5) within group (order by extract(epoch from s - d)) filter (where d > (select min(d) from r)),
                   percentile_cont(0.5) within group (order by extract(epoch from next - f))
            from n where next is not null or d > (select min(d) from r)""";
        try (var c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                var statement = c.prepareStatement(sql)) {
            statement.setObject(1, UUID.fromString(jobId));
            try (var rs = statement.executeQuery()) {
                rs.next();
                return new double[] {rs.getDouble(1) * 1000, rs.getDouble(2) * 1000};
            }
        }
    }

    /** Per round, the larger of its slowest shard and its shards' total over the lanes, summed over rounds. */
    private static double compute(String jdbcUrl, String jobId) throws Exception {
        String sql = "select greatest(max(ms), sum(ms) / ?) from (select step, stage, "
                + "extract(epoch from finished_at - started_at) * 1000 as ms from shards where job_id = ?) s group by step, stage";
        double total = 0;
        try (var c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                var statement = c.prepareStatement(sql)) {
            statement.setInt(1, LANES);
            statement.setObject(2, UUID.fromString(jobId));
            try (var rs = statement.executeQuery()) {
                while (rs.next()) {
                    total += rs.getDouble(1);
                }
            }
        }
        return total;
    }
}
