package io.shardflow.bench.scenarios;

import io.shardflow.bench.BenchContext;
import io.shardflow.bench.Platform;
import io.shardflow.bench.Report;
import io.shardflow.bench.Scenario;
import io.shardflow.bench.Stats;
import java.util.ArrayList;
import java.util.List;

/**
 * How fast the platform accepts jobs: 16 client threads submitting one-row inference jobs over REST as fast as they
 * are answered, against JobRunr enqueueing the same number of no-op jobs from 16 threads on the same PostgreSQL. When
 * the bench started the platform, a second one whose PostgreSQL does not wait for the disk at commit
 * ({@code shardflow.local.postgres-synchronous-commit=false}, not durable) is measured beside it: what durability
 * costs.
 */
public class IntakeScenario implements Scenario {
    static final int THREADS = 16;

    @Override
    public String name() {
        return "intake";
    }

    @Override
    public String summary() {
        return "jobs accepted per second over REST from 16 threads vs JobRunr enqueueing on the same PostgreSQL";
    }

    @Override
    public Report.Section run(BenchContext context) throws Exception {
        var options = context.options();
        int count = options.quick() ? 600 : 5_000;
        var jobs = OneRowJobs.create(context.api(), "bench-intake");
        var platformRate = new ArrayList<Double>();
        var platformLatency = new ArrayList<Double>();
        var referenceRate = new ArrayList<Double>();
        var referenceLatency = new ArrayList<Double>();
        var ratios = new ArrayList<Double>();
        var platformCpu = new ArrayList<CpuUse>();
        var referenceCpu = new ArrayList<CpuUse>();
        var asyncRate = new ArrayList<Double>();
        var asyncLatency = new ArrayList<Double>();
        var durability = new ArrayList<Double>();
        try (var reference = context.jdbcUrl() == null ? null : new JobRunrReference(context.jdbcUrl(), THREADS);
                var async = context.platform() == null
                        ? null
                        : Platform.start(context.jar(), "--shardflow.local.postgres-synchronous-commit=false")) {
            var asyncJobs = async == null ? null : OneRowJobs.create(async.api(), "bench-intake");
            // warm up: connections, the JIT, JobRunr's analysis of the job lambda
            Load.run(count / 20, THREADS, jobs::submit);
            if (asyncJobs != null) {
                Load.run(count / 20, THREADS, asyncJobs::submit);
            }
            if (reference != null) {
                Load.run(count / 20, THREADS, reference::enqueue);
                reference.clear();
            }
            for (int r = 0; r < options.repeats(); r++) {
                // the platform runs the jobs it accepted after each run: both sides start on an idle platform
                jobs.awaitIdle();
                if (asyncJobs != null) {
                    asyncJobs.awaitIdle();
                }
                Load.Result jobRunr = null;
                if (reference != null) {
                    var cpu = CpuUse.now(context.platform());
                    jobRunr = Load.run(count, THREADS, reference::enqueue);
                    referenceCpu.add(CpuUse.now(context.platform()).since(cpu));
                    reference.clear();
                    referenceRate.add(jobRunr.perSecond());
                    referenceLatency.addAll(jobRunr.latencies());
                }
                var cpu = CpuUse.now(context.platform());
                var platform = Load.run(count, THREADS, jobs::submit);
                platformCpu.add(CpuUse.now(context.platform()).since(cpu));
                platformRate.add(platform.perSecond());
                platformLatency.addAll(platform.latencies());
                if (jobRunr != null) {
                    ratios.add(platform.perSecond() / jobRunr.perSecond());
                }
                Load.Result notDurable = null;
                if (asyncJobs != null) {
                    // after the durable platform has run what it accepted, so that each has the cores to itself
                    jobs.awaitIdle();
                    asyncJobs.awaitIdle();
                    notDurable = Load.run(count, THREADS, asyncJobs::submit);
                    asyncRate.add(notDurable.perSecond());
                    durability.add(platform.perSecond() / notDurable.perSecond());
                    asyncLatency.addAll(notDurable.latencies());
                }
                System.out.printf(
                        "  run %d: platform %.2f s, JobRunr %s, platform without synchronous commit %s%n",
                        r + 1,
                        platform.seconds(),
                        jobRunr == null ? "skipped" : "%.2f s".formatted(jobRunr.seconds()),
                        notDurable == null ? "skipped" : "%.2f s".formatted(notDurable.seconds()));
            }
            if (asyncJobs != null) {
                asyncJobs.awaitIdle();
            }
        }
        var pl = Stats.of(platformLatency);
        var text = new StringBuilder("""
            %d one-row inference jobs (a linear model of one input, one shard each) submitted with \
            `POST /api/v1/jobs` by %d client threads on keep-alive connections, each sending its next job when the \
            last was answered (202, durable). Reference: JobRunr %s enqueueing %d no-op jobs (a static method) \
            from %d threads through its `PostgresStorageProvider` on the platform's own PostgreSQL (HikariCP, %d \
            connections), with no background server, so nothing runs them; measured first in each run, while the \
            platform is idle.

            | | Shardflow `POST /api/v1/jobs` | JobRunr `enqueue` |
            | --- | --- | --- |
            | jobs accepted per second | %s | %s |
            | latency p50 | %.1f ms | %s |
            | latency p99 | %.1f ms | %s |
            | processor time per job: platform (with its PostgreSQL), bench JVM | %s | %s |

            """.formatted(
                count,
                THREADS,
                JobRunrReference.version(),
                count,
                THREADS,
                THREADS,
                Stats.of(platformRate).spread("%.0f"),
                referenceRate.isEmpty() ? "skipped" : Stats.of(referenceRate).spread("%.0f"),
                pl.percentile(50),
                latency(referenceLatency, 50),
                pl.percentile(99),
                latency(referenceLatency, 99),
                CpuUse.perJob(platformCpu, count),
                referenceCpu.isEmpty() ? "skipped" : CpuUse.perJob(referenceCpu, count)));
        if (!asyncRate.isEmpty()) {
            text.append("""
                    What durability costs: the same %d jobs, from the same %d threads, in each run after the above, \
                    submitted to a second platform started by the bench whose PostgreSQL answers a commit before it \
                    is on disk (`shardflow.local.postgres-synchronous-commit=false`; not durable: a crash of \
                    PostgreSQL or of the machine loses the jobs accepted in its last fraction of a second). Both \
                    use the same disk; the default waits for it (`synchronous_commit=on`).

                    | | durable (default) | `synchronous_commit=off` |
                    | --- | --- | --- |
                    | jobs accepted per second | %s | %s |
                    | latency p50 | %.1f ms | %s |
                    | latency p99 | %.1f ms | %s |

                    Jobs per second, durable / not durable (per run, side by side): **%s×**.

                    """.formatted(
                            count,
                            THREADS,
                            Stats.of(platformRate).spread("%.0f"),
                            Stats.of(asyncRate).spread("%.0f"),
                            pl.percentile(50),
                            latency(asyncLatency, 50),
                            pl.percentile(99),
                            latency(asyncLatency, 99),
                            Stats.of(durability).spread("%.2f")));
        }
        if (ratios.isEmpty()) {
            text.append("The JobRunr reference was skipped: the bench ran with `--api` and no `--jdbc`.\n\n");
        } else {
            text.append("Jobs per second, Shardflow / JobRunr (per run, side by side): **%s×**.\n\n"
                    .formatted(Stats.of(ratios).spread("%.2f")));
        }
        text.append("""
            Aim: ≥ 2,000 jobs/s, p99 ≤ 50 ms, ≥ 1× JobRunr. JobRunr is measured first in each run; the next run \
            starts once the platform has run the jobs it accepted.

            Where the time goes: an accepted job is a transaction of about 20 statements (the job row, read back; \
            its plan and shard, as the scheduler runs in the API's process; its timeline entries and CloudEvents \
            through the outbox; last, the tenant's queue lock and bound, held to the commit, so that one tenant's \
            submissions commit one after the other) after validation has read the model, the dataset and the live \
            workers; and the platform's scheduler and worker run the \
            jobs accepted a moment before on the same %d cores (the processor time above counts both). At that \
            processor time per job the machine could accept at most %.0f jobs/s (JobRunr: %.0f). JobRunr's \
            `enqueue` is one INSERT, with nothing else running. %s
            """.formatted(
                        Runtime.getRuntime().availableProcessors(),
                        CpuUse.ceiling(platformCpu, count),
                        referenceCpu.isEmpty() ? Double.NaN : CpuUse.ceiling(referenceCpu, count),
                        PROFILE));
        return new Report.Section("Intake: jobs accepted per second", text.toString());
    }

    /** What a profile of the platform under this load showed (measured by hand; the bench does not profile). */
    static final String PROFILE = """
        A profile of the platform during `small-jobs` (2026-12-01, 11,000 one-row jobs on a warm platform: \
        per-thread processor time from /proc, `pg_stat_statements`, `perf record -a`): 10.1 ms of processor time a \
        job, 5.1 in the JVM (the HTTP threads 1.7 ms, the lanes 0.9, the embedded broker 0.65, the JIT compiler \
        0.5, admission 0.43, the outbox relay and producer 0.4, the job-event consumer 0.2) and 5.0 in PostgreSQL. \
        The statements' own execution is 1.9 ms a job in all, and none takes more than 0.25 ms a call; the rest of \
        PostgreSQL's share is per statement and per transaction, half of its samples in the kernel (socket round \
        trips and the switches between backends and the JVM). A submission waited 8 ms on average for its \
        tenant's queue lock, which the submission before it holds until its commit is on disk. There is no hot spot \
        left to remove: what costs is the number of statements and round trips per job, which batching removes \
        (`POST /api/v1/jobs:batch` accepts a job for 0.15 ms).""";

    private static String latency(List<Double> latencies, double percentile) {
        return latencies.isEmpty()
                ? "skipped"
                : "%.1f ms".formatted(Stats.of(latencies).percentile(percentile));
    }
}
