package io.shardflow.bench.scenarios;

import io.shardflow.bench.BenchContext;
import io.shardflow.bench.Http;
import io.shardflow.bench.Report;
import io.shardflow.bench.Scenario;
import io.shardflow.bench.Stats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import tools.jackson.databind.JsonNode;

/**
 * Many apps asking one gpt for completions at once, through {@code POST /models/{id}/generate}: tokens per second
 * when the requests arrive together (the worker batches them continuously) against the same requests sent one at
 * a time, and the latency of each request. Both modes go through the whole platform (queue, scheduler, worker).
 */
public class GenerationScenario implements Scenario {
    private static final Map<String, Object> MODEL =
            Map.of("kind", "gpt", "layers", 4, "heads", 4, "dModel", 128, "context", 128);

    @Override
    public String name() {
        return "generation";
    }

    @Override
    public String summary() {
        return "concurrent /generate requests with continuous batching vs the same requests one at a time";
    }

    private record Mode(
            double seconds, List<Double> latencies, double meanBatch, double stepMillis, double prefillMillis) {}

    @Override
    public Report.Section run(BenchContext context) throws Exception {
        var api = context.api();
        var options = context.options();
        int requests = options.quick() ? 16 : 64;
        int tokens = options.quick() ? 32 : 64;
        String modelId = api.ok(
                        "/api/v1/models", Map.of("name", "bench-gpt", "architecture", MODEL, "init", Map.of("seed", 1)))
                .get("id")
                .asString();
        // warm up: the worker loads the model, and both paths run until the JIT has compiled them
        for (int i = 0; i < (options.quick() ? 1 : 3); i++) {
            concurrent(api, modelId, requests, tokens);
            oneAtATime(api, modelId, 8, tokens);
        }
        var batchedRate = new ArrayList<Double>();
        var serialRate = new ArrayList<Double>();
        var ratios = new ArrayList<Double>();
        var batchedLatency = new ArrayList<Double>();
        var serialLatency = new ArrayList<Double>();
        var meanBatches = new ArrayList<Double>();
        var engineShare = new ArrayList<Double>();
        var stepMillis = new ArrayList<Double>();
        var prefillMillis = new ArrayList<Double>();
        for (int r = 0; r < options.repeats(); r++) {
            var batched = concurrent(api, modelId, requests, tokens);
            var serial = oneAtATime(api, modelId, requests, tokens);
            double generated = (double) requests * tokens;
            batchedRate.add(generated / batched.seconds());
            serialRate.add(generated / serial.seconds());
            ratios.add(serial.seconds() / batched.seconds());
            batchedLatency.addAll(batched.latencies());
            serialLatency.addAll(serial.latencies());
            meanBatches.add(batched.meanBatch());
            engineShare.add((batched.stepMillis() + batched.prefillMillis()) / 1000 / batched.seconds());
            stepMillis.add(batched.stepMillis());
            prefillMillis.add(batched.prefillMillis());
            System.out.printf(
                    "  run %d: together %.2f s (engine: steps %.0f ms, prefills %.0f ms), one at a time %.2f s%n",
                    r + 1, batched.seconds(), batched.stepMillis(), batched.prefillMillis(), serial.seconds());
        }
        var bl = Stats.of(batchedLatency);
        var sl = Stats.of(serialLatency);
        String table = """
            %d requests of %d tokens each (prompts of 16–18 bytes, temperature 0.8, a seed per request) to a gpt of \
            4 layers × 4 heads, dModel 128, context 128 (%.1f M parameters, seeded random weights), on one worker \
            (2 lanes, one generation loop, at most 64 sequences per batched step). "Together": all requests sent at \
            once from %d client threads; "one at a time": the next request is sent when the previous one answered.

            | | together (continuous batching) | one at a time |
            | --- | --- | --- |
            | tokens per second | %s | %s |
            | request latency p50 | %.0f ms | %.0f ms |
            | request latency p99 | %.0f ms | %.0f ms |
            | sequences per batched step (mean) | %s | 1 |
            | engine time: batched steps, prompt prefills | %s ms, %s ms | |
            | share of the wall time the engine computed | %s | |

            Throughput ratio, together / one at a time (per run, side by side): **%s×** (aim: ≥ 5×).

            Where the time goes, together: the engine's thread computes most of the wall time (steps of the mean \
            batch above, prefills of the prompts that arrived since the last step); the rest is the requests' \
            way in and out (intake, planning, dispatch, the completion notice, the waiting request's wake-up), \
            which staggers arrivals so that early steps run with fewer sequences. One at a time, each request \
            pays that way in and out once and one decoding step per token for one sequence, whose cost is \
            per-operation overhead, not arithmetic.
            """.formatted(
                        requests,
                        tokens,
                        parameters() / 1e6,
                        requests,
                        Stats.of(batchedRate).spread("%.0f"),
                        Stats.of(serialRate).spread("%.0f"),
                        bl.percentile(50),
                        sl.percentile(50),
                        bl.percentile(99),
                        sl.percentile(99),
                        Stats.of(meanBatches).spread("%.1f"),
                        Stats.of(stepMillis).spread("%.0f"),
                        Stats.of(prefillMillis).spread("%.0f"),
                        Stats.of(engineShare).spread("%.2f"),
                        Stats.of(ratios).spread("%.1f"));
        return new Report.Section("Generation: continuous batching", table);
    }

    private static Mode concurrent(Http api, String modelId, int requests, int tokens) throws Exception {
        var before = engineCounters(api);
        var pool = Executors.newFixedThreadPool(requests);
        try {
            var futures = new ArrayList<Future<Double>>();
            long started = System.nanoTime();
            for (int i = 0; i < requests; i++) {
                int request = i;
                futures.add(pool.submit((Callable<Double>) () -> generate(api, modelId, request, tokens)));
            }
            var latencies = new ArrayList<Double>();
            for (var f : futures) {
                latencies.add(f.get());
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            var after = engineCounters(api);
            return new Mode(seconds, latencies, meanBatch(before, after), after[2] - before[2], after[3] - before[3]);
        } finally {
            pool.shutdown();
        }
    }

    private static Mode oneAtATime(Http api, String modelId, int requests, int tokens) {
        var latencies = new ArrayList<Double>();
        long started = System.nanoTime();
        for (int i = 0; i < requests; i++) {
            latencies.add(generate(api, modelId, i, tokens));
        }
        return new Mode((System.nanoTime() - started) / 1e9, latencies, 1, Double.NaN, Double.NaN);
    }

    /** One request; its latency in milliseconds. */
    private static double generate(Http api, String modelId, int request, int tokens) {
        long started = System.nanoTime();
        var body = api.ok(
                "/api/v1/models/" + modelId + "/generate",
                Map.of(
                        "prompt",
                        "Request " + request + " says: ",
                        "maxTokens",
                        tokens,
                        "temperature",
                        0.8,
                        "seed",
                        request,
                        "timeoutMs",
                        600_000));
        if (body.get("outputs").size() != 1) {
            throw new IllegalStateException("expected one completion: " + body);
        }
        return (System.nanoTime() - started) / 1e6;
    }

    /** The worker's generation counters (batched steps, sequence-steps), from its health details. */
    private static long[] engineCounters(Http api) {
        JsonNode generation = api.get("/actuator/health")
                .body()
                .path("components")
                .path("worker")
                .path("details")
                .path("generation");
        return new long[] {
            generation.path("steps").asLong(),
            generation.path("sequenceSteps").asLong(),
            generation.path("stepMillis").asLong(),
            generation.path("prefillMillis").asLong()
        };
    }

    private static double meanBatch(long[] before, long[] after) {
        long steps = after[0] - before[0];
        return steps == 0 ? Double.NaN : (after[1] - before[1]) / (double) steps;
    }

    private static double parameters() {
        int d = 128;
        return 2 * 256.0 * d + 128.0 * d + 4 * (12.0 * d * d + 13.0 * d) + 2 * d;
    }
}
