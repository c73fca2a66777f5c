package io.shardflow.bench.scenarios;

import io.shardflow.bench.BenchContext;
import io.shardflow.bench.Report;
import io.shardflow.bench.Scenario;
import io.shardflow.bench.Stats;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Map;

/**
 * How fast the platform accepts jobs sent in batches: client threads each sending {@code POST /api/v1/jobs:batch}
 * with 1,000 one-row inference jobs as soon as their last batch was answered. The tenant's queue cap is lifted for
 * the runs (more jobs are accepted at once than its 10,000), and put back afterwards.
 */
public class BatchIntakeScenario implements Scenario {
    static final int THREADS = 4;
    static final int BATCH = 1_000;

    @Override
    public String name() {
        return "batch-intake";
    }

    @Override
    public String summary() {
        return "jobs accepted per second with POST /api/v1/jobs:batch, 1,000 jobs a request from 4 threads";
    }

    @Override
    public Report.Section run(BenchContext context) throws Exception {
        var options = context.options();
        int batches = options.quick() ? 8 : 40;
        var api = context.api();
        var jobs = OneRowJobs.create(api, "bench-batch-intake");
        var body = Map.of("jobs", Collections.nCopies(BATCH, jobs.job()));
        var first = api.post("/api/v1/jobs", jobs.job());
        String tenant = first.body().get("tenant").asString();
        var rates = new ArrayList<Double>();
        var latencies = new ArrayList<Double>();
        var cpu = new ArrayList<CpuUse>();
        try (var cap = QueueCap.lift(api, tenant)) {
            Runnable submit = () -> {
                var response = api.post("/api/v1/jobs:batch", body);
                if (response.status() != 200 || response.body().get("accepted").asInt() != BATCH) {
                    throw new IllegalStateException("POST /api/v1/jobs:batch answered " + response.status() + ": "
                            + abbreviated(response.body().toString()));
                }
            };
            // warm up: connections, the JIT
            Load.run(2, 2, submit);
            for (int r = 0; r < options.repeats(); r++) {
                // the platform runs the jobs it accepted after each run: each run starts on an idle platform
                jobs.awaitIdle();
                var before = CpuUse.now(context.platform());
                var run = Load.run(batches, THREADS, submit);
                cpu.add(CpuUse.now(context.platform()).since(before));
                rates.add(batches * (double) BATCH / run.seconds());
                latencies.addAll(run.latencies());
                System.out.printf(
                        "  run %d: %d jobs in %.2f s, %.0f jobs/s%n",
                        r + 1, batches * BATCH, run.seconds(), rates.getLast());
            }
            jobs.awaitIdle();
        }
        var latency = Stats.of(latencies);
        int count = batches * BATCH;
        var text = """
            %d one-row inference jobs (as in Intake) per run, sent as %d requests of `POST /api/v1/jobs:batch` with \
            %d jobs each by %d client threads on keep-alive connections, each sending its next batch when the last \
            was answered (200, every item 202, durable). Each batch is validated item by item (the model and \
            dataset read once per request) and written in one transaction: one statement each for the jobs, their \
            planning requests, their timeline entries and their CloudEvents.

            | | `POST /api/v1/jobs:batch`, %d jobs a request |
            | --- | --- |
            | jobs accepted per second | %s |
            | latency per request p50 | %.1f ms |
            | latency per request p99 | %.1f ms |
            | processor time per job: platform (with its PostgreSQL), bench JVM | %s |

            At that processor time per job the machine could accept at most %.0f jobs/s. Aim: ≥ 10,000 jobs/s. \
            The platform's scheduler and worker run the jobs accepted a moment before on the same %d cores.
            """.formatted(
                        count,
                        batches,
                        BATCH,
                        THREADS,
                        BATCH,
                        Stats.of(rates).spread("%.0f"),
                        latency.percentile(50),
                        latency.percentile(99),
                        CpuUse.perJob(cpu, count),
                        CpuUse.ceiling(cpu, count),
                        Runtime.getRuntime().availableProcessors());
        return new Report.Section("Batch intake: jobs accepted per second, 1,000 a request", text);
    }

    static String abbreviated(String text) {
        return text.length() <= 500 ? text : text.substring(0, 500) + "…";
    }
}
