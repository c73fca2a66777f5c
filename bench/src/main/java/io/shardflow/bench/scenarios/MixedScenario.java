package io.shardflow.bench.scenarios;

import io.shardflow.bench.BenchContext;
import io.shardflow.bench.Report;
import io.shardflow.bench.Scenario;
import io.shardflow.bench.Stats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

/**
 * {@code /predict} while batch work fills every lane, against the same calls on the idle platform: the same
 * sequence of one-row payloads is sent one call after another, first with nothing else running, then while
 * low-priority batch inference jobs (shards of seconds each) hold the lanes. Whether the batch work really held
 * them during the calls is measured, not assumed: the batch shards' lane-time inside the calls' window over
 * lanes × window, from the platform's own shard timestamps.
 */
public class MixedScenario implements Scenario {
    private static final int BATCH_PRIORITY = -50;
    private static final int BATCH_WIDTH = 2048;

    @Override
    public String name() {
        return "mixed";
    }

    @Override
    public String summary() {
        return "/predict p50 and p99 while low-priority batch jobs fill the lanes, against the same calls on the idle platform";
    }

    /** One repeat: the calls' latencies on the idle platform and under load, and what the batch work held. */
    private record Result(
            Stats idle,
            Stats loaded,
            int loadedCalls,
            Map<Integer, Integer> loadedStatuses,
            double occupancy,
            double windowSeconds,
            int batchJobs) {}

    @Override
    public Report.Section run(BenchContext context) throws Exception {
        String title = "Mixed: `/predict` beside batch work";
        String jdbcUrl = context.jdbcUrl();
        if (jdbcUrl == null) {
            return new Report.Section(
                    title, "Skipped: it reads shard times from the platform's database; give --jdbc.");
        }
        var options = context.options();
        var api = context.api();
        boolean quick = options.quick();
        int calls = quick ? 100 : 300;
        Duration limit = options.duration() != null
                ? options.duration()
                : quick ? Duration.ofSeconds(45) : Duration.ofSeconds(120);
        int lanes = LaneTime.liveLanes(jdbcUrl);
        if (lanes == 0) {
            throw new IllegalStateException("no live worker lanes: the workers table shows none heartbeating");
        }
        long rowsPerShard = quick ? 6_000 : 10_000;
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        var batch = SizedJobs.create(api, "mixed-batch-" + suffix, BATCH_WIDTH, rowsPerShard * lanes, lanes);
        String predictModel = api.ok(
                        "/api/v1/models",
                        Map.of(
                                "name",
                                "mixed-predict-" + suffix,
                                "architecture",
                                Map.of("kind", "mlp", "layers", List.of(64, 256, 256, 10), "activation", "relu"),
                                "init",
                                Map.of("seed", 5)))
                .get("id")
                .asString();
        var random = new Random(11);
        var payloads = new ArrayList<Map<String, Object>>();
        for (int i = 0; i < calls; i++) {
            var row = new float[InferenceWorkload.INPUTS];
            for (int c = 0; c < row.length; c++) {
                row[c] = random.nextFloat() * 2 - 1;
            }
            payloads.add(Map.of("rows", List.of(row)));
        }
        String path = "/api/v1/models/" + predictModel + "/predict";
        // warm-up: the predict model loaded, and one batch job alone, which also says how long a batch shard takes
        for (int i = 0; i < 20; i++) {
            api.ok(path, payloads.get(i % calls));
        }
        int[] refused = {0};
        String probe = batch.submit(BATCH_PRIORITY, refused);
        SizedJobs.awaitEnded(api, List.of(probe));
        double shardSeconds = Stats.of(LaneTime.shards(jdbcUrl, List.of(probe)).stream()
                        .mapToDouble(LaneTime.ShardRun::seconds)
                        .toArray())
                .median();
        System.out.printf(
                "  %d lanes; a batch shard (%,d rows) takes %.2f s alone%n", lanes, rowsPerShard, shardSeconds);

        var results = new ArrayList<Result>();
        for (int r = 0; r < options.repeats(); r++) {
            var idle = new ArrayList<Double>();
            for (var payload : payloads) {
                long started = System.nanoTime();
                api.ok(path, payload);
                idle.add((System.nanoTime() - started) / 1e6);
            }
            // enough batch work to hold every lane past the longest the calls may take, cancelled when they end
            double laneSeconds = lanes * (limit.toNanos() / 1e9) * 1.25 + lanes * shardSeconds;
            int jobs = (int) Math.ceil(laneSeconds / (lanes * Math.max(shardSeconds, 0.05)));
            var batchIds = new ArrayList<String>();
            for (int j = 0; j < jobs; j++) {
                batchIds.add(batch.submit(BATCH_PRIORITY, refused));
            }
            boolean full = awaitLanesHeld(jdbcUrl, batchIds, lanes, Duration.ofSeconds(60));
            if (!full) {
                System.out.println("  the batch jobs did not hold every lane within 60 s; measuring anyway");
            }
            var loaded = new ArrayList<Double>();
            var statuses = new TreeMap<Integer, Integer>();
            Instant from = Instant.now();
            long deadline = System.nanoTime() + limit.toNanos();
            for (var payload : payloads) {
                if (System.nanoTime() > deadline) {
                    break;
                }
                long started = System.nanoTime();
                var response = api.post(path, payload);
                loaded.add((System.nanoTime() - started) / 1e6);
                statuses.merge(response.status(), 1, Integer::sum);
            }
            Instant to = Instant.now();
            SizedJobs.cancelAll(api, batchIds);
            var runs = LaneTime.shards(jdbcUrl, batchIds);
            double window = LaneTime.seconds(from, to);
            double occupancy = LaneTime.busy(runs, from, to, run -> true) / (lanes * window);
            var result = new Result(
                    Stats.of(idle), Stats.of(loaded), loaded.size(), statuses, occupancy, window, batchIds.size());
            results.add(result);
            System.out.printf(
                    "  run %d: idle p50 %.1f ms p99 %.1f ms; under load %d of %d calls in %.1f s, p50 %.1f ms p99 %.1f ms,"
                            + " statuses %s; batch held %.2f of the lanes' time during the calls (%d jobs)%n",
                    r + 1,
                    result.idle().percentile(50),
                    result.idle().percentile(99),
                    loaded.size(),
                    calls,
                    window,
                    result.loaded().percentile(50),
                    result.loaded().percentile(99),
                    statuses,
                    occupancy,
                    batchIds.size());
        }
        return new Report.Section(title, report(results, calls, lanes, rowsPerShard, shardSeconds, limit, refused[0]));
    }

    /** Waits until the batch jobs have a shard running on every lane; false if that did not happen in time. */
    private static boolean awaitLanesHeld(String jdbcUrl, List<String> batchIds, int lanes, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            long running = LaneTime.shards(jdbcUrl, batchIds).stream()
                    .filter(run -> run.end() == null)
                    .count();
            if (running >= lanes) {
                return true;
            }
            Thread.sleep(100);
        }
        return false;
    }

    private static String report(
            List<Result> results,
            int calls,
            int lanes,
            long rowsPerShard,
            double shardSeconds,
            Duration limit,
            int refused) {
        var idle50 = Stats.of(
                results.stream().mapToDouble(r -> r.idle().percentile(50)).toArray());
        var idle99 = Stats.of(
                results.stream().mapToDouble(r -> r.idle().percentile(99)).toArray());
        var load50 = Stats.of(
                results.stream().mapToDouble(r -> r.loaded().percentile(50)).toArray());
        var load99 = Stats.of(
                results.stream().mapToDouble(r -> r.loaded().percentile(99)).toArray());
        var ratio = Stats.of(results.stream()
                .mapToDouble(r -> r.loaded().percentile(99) / r.idle().percentile(99))
                .toArray());
        var occupancy = Stats.of(results.stream().mapToDouble(Result::occupancy).toArray());
        var made = Stats.of(results.stream().mapToDouble(Result::loadedCalls).toArray());
        var window =
                Stats.of(results.stream().mapToDouble(Result::windowSeconds).toArray());
        var slowest =
                Stats.of(results.stream().mapToDouble(r -> r.loaded().max()).toArray());
        var last = results.getLast();
        var statuses = new StringBuilder();
        last.loadedStatuses()
                .forEach((status, count) -> statuses.append(statuses.isEmpty() ? "" : ", ")
                        .append(count)
                        .append(" × ")
                        .append(status));
        return """
            %d one-row `/predict` calls (an MLP [64, 256, 256, 10]; the same %d payloads in the same order in both \
            phases), one after another from one client: first on the idle platform, then while low-priority \
            (priority %d) batch inference jobs fill the lanes: an MLP [64, %d, %d, 10] over %,d rows per shard, one \
            shard per lane per job (a shard takes %.2f s on a lane alone), with enough jobs queued to hold all %d lanes \
            for %.0f s; the calls start once every lane runs a batch shard and stop after %d calls or when %.0f s have \
            passed (a call already sent runs to its end), and the batch jobs still unfinished are then cancelled. Latency includes any answer other than 200 (a `/predict` \
            whose job does not end within the API's sync timeout answers 504).

            | | p50 | p99 | calls |
            | --- | --- | --- | --- |
            | idle platform | %s ms | %s ms | %d |
            | lanes held by batch work | %s ms | %s ms | %s in %s s |

            p99 under load / idle p99 (per run, side by side): **%s×** (aim: ≤ 3×). The slowest call under load took \
            %s ms; answers under load (last run): %s.

            Was the batch work really saturating? The batch shards' lane-time during the calls' window, over \
            %d lanes × the window: **%s** (1 = every lane ran batch work for the whole window; from the shards' \
            start and finish times, a shard cancelled unfinished counting until the calls ended).%s
            """.formatted(
                        calls,
                        calls,
                        BATCH_PRIORITY,
                        BATCH_WIDTH,
                        BATCH_WIDTH,
                        rowsPerShard,
                        shardSeconds,
                        lanes,
                        limit.toNanos() / 1e9,
                        calls,
                        limit.toNanos() / 1e9,
                        idle50.spread("%.1f"),
                        idle99.spread("%.1f"),
                        calls,
                        load50.spread("%.1f"),
                        load99.spread("%.1f"),
                        made.spread("%.0f"),
                        window.spread("%.1f"),
                        ratio.spread("%.1f"),
                        slowest.spread("%.0f"),
                        statuses,
                        lanes,
                        occupancy.spread("%.2f"),
                        refused > 0
                                ? " The platform refused a batch submit " + refused + " time(s) with 429 (waited out)."
                                : "");
    }
}
