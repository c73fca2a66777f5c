package io.shardflow.bench.scenarios;

import io.shardflow.bench.BenchContext;
import io.shardflow.bench.Http;
import io.shardflow.bench.Report;
import io.shardflow.bench.Scenario;
import io.shardflow.bench.Stats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Many tiny jobs run to the end: one-shard, one-row inference jobs submitted from 16 threads, timed from the first
 * submit until all have SUCCEEDED, against JobRunr running as many no-op jobs with as many workers as the platform
 * has lanes, on the same PostgreSQL.
 */
public class SmallJobsScenario implements Scenario {
    /** The standalone platform's worker lanes, and so JobRunr's worker threads. */
    private static final int LANES = 2;
    /** How many of each run's last jobs have their timelines read. */
    private static final int SAMPLE = 20;
    /**
     * How often the end is polled at the most, near the end: each poll is two counts over the tenant's jobs, which the
     * platform pays for.
     */
    private static final int POLL_MILLIS = 200;

    @Override
    public String name() {
        return "small-jobs";
    }

    @Override
    public String summary() {
        return "one-row jobs submitted from 16 threads and run to the end vs JobRunr running no-op jobs on 2 workers";
    }

    @Override
    public Report.Section run(BenchContext context) throws Exception {
        var api = context.api();
        var options = context.options();
        int count = options.quick() ? 300 : 10_000;
        var jobs = OneRowJobs.create(api, "bench-small-jobs");
        jobs.awaitIdle();
        var platformRate = new ArrayList<Double>();
        var platformSeconds = new ArrayList<Double>();
        var referenceRate = new ArrayList<Double>();
        var referenceSeconds = new ArrayList<Double>();
        var ratios = new ArrayList<Double>();
        var stageMillis = new LinkedHashMap<String, List<Double>>();
        var platformCpu = new ArrayList<CpuUse>();
        var referenceCpu = new ArrayList<CpuUse>();
        try (var reference =
                context.jdbcUrl() == null ? null : new JobRunrReference(context.jdbcUrl(), IntakeScenario.THREADS)) {
            // warm up: the planner, the worker's model cache and the aggregator, and JobRunr's job path
            runPlatform(jobs, count / 10);
            if (reference != null) {
                runReference(reference, count / 10);
            }
            for (int r = 0; r < options.repeats(); r++) {
                double jobRunr = Double.NaN;
                if (reference != null) {
                    var cpu = CpuUse.now(context.platform());
                    jobRunr = runReference(reference, count);
                    referenceCpu.add(CpuUse.now(context.platform()).since(cpu));
                    referenceSeconds.add(jobRunr);
                    referenceRate.add(count / jobRunr);
                }
                var cpu = CpuUse.now(context.platform());
                double platform = runPlatform(jobs, count);
                platformCpu.add(CpuUse.now(context.platform()).since(cpu));
                platformSeconds.add(platform);
                platformRate.add(count / platform);
                if (reference != null) {
                    ratios.add(jobRunr / platform);
                }
                stages(api, stageMillis);
                System.out.printf(
                        "  run %d: platform %.2f s, JobRunr %s%n",
                        r + 1, platform, reference == null ? "skipped" : "%.2f s".formatted(jobRunr));
            }
        }
        var text = new StringBuilder("""
            %d one-row inference jobs (a linear model of one input, one shard each) submitted with \
            `POST /api/v1/jobs` from %d client threads, timed from the first submit until the platform counts all of \
            them SUCCEEDED (the job list's total, polled every %d ms near the end and less often before: each poll counts the tenant's jobs, a cost the platform bears), on the standalone platform's one worker of %d \
            lanes. Reference: JobRunr %s running %d no-op jobs (a static method) enqueued from %d threads on the \
            platform's own PostgreSQL, then run by a background server started in the bench's JVM with %d worker \
            threads, timed from the first enqueue until it counts them all SUCCEEDED. JobRunr polls for work every \
            %d s at the least on a SQL database (its minimum, used here); a server polls once as it starts, so \
            starting it after the enqueues spares it up to %d s of waiting for its first poll. How many jobs it \
            takes between polls varies: its wall time is the least steady figure here. Measured first in each run, \
            while the platform is idle.

            | | Shardflow | JobRunr |
            | --- | --- | --- |
            | wall time, first submit to all SUCCEEDED | %s s | %s |
            | jobs per second | %s | %s |
            | processor time per job: platform (with its PostgreSQL), bench JVM | %s | %s |

            """.formatted(
                count,
                IntakeScenario.THREADS,
                POLL_MILLIS,
                LANES,
                JobRunrReference.version(),
                count,
                IntakeScenario.THREADS,
                LANES,
                JobRunrReference.POLL_INTERVAL.toSeconds(),
                JobRunrReference.POLL_INTERVAL.toSeconds(),
                Stats.of(platformSeconds).spread("%.1f"),
                referenceSeconds.isEmpty()
                        ? "skipped"
                        : Stats.of(referenceSeconds).spread("%.1f") + " s",
                Stats.of(platformRate).spread("%.0f"),
                referenceRate.isEmpty() ? "skipped" : Stats.of(referenceRate).spread("%.0f"),
                CpuUse.perJob(platformCpu, count),
                referenceCpu.isEmpty() ? "skipped" : CpuUse.perJob(referenceCpu, count)));
        if (ratios.isEmpty()) {
            text.append("The JobRunr reference was skipped: the bench ran with `--api` and no `--jdbc`.\n\n");
        } else {
            text.append("Jobs per second, Shardflow / JobRunr (per run, side by side): **%s×**.\n\n"
                    .formatted(Stats.of(ratios).spread("%.2f")));
        }
        text.append("Aim: ≥ 600 jobs/s, ≥ 1× JobRunr.\n\n");
        text.append("""
            Where the time goes: the run is bound by the processor, not by waiting. At the processor time per job \
            above, the machine's %d cores could run at most %.0f jobs/s of the platform (JobRunr: %.0f). A one-row \
            job is about 50 statements in six transactions: intake with its planning (the scheduler runs in the \
            API's process: the job row, read back; QUEUED → PLANNING → RUNNING with the plan and a shard row; the \
            timeline entries and their CloudEvents through the outbox; the tenant's queue bound under its lock), an \
            admission pass (the shard DISPATCHED to an idle lane, its task through the outbox), the lane's claim, the \
            lane's end (the partial, the shard DONE, the job SUCCEEDED with its result and event: no merge), and the \
            outbox relay's rounds (a locking delete, the sends); one Kafka hop (the task) and three CloudEvents, \
            which the API's own consumer reads back for its live views. JobRunr's no-op \
            job is an INSERT, a fetch that marks it PROCESSING, and an UPDATE to SUCCEEDED. The gaps between a \
            job's timeline entries are mostly waiting behind the jobs submitted before it. %s
            """.formatted(
                        Runtime.getRuntime().availableProcessors(),
                        CpuUse.ceiling(platformCpu, count),
                        referenceCpu.isEmpty() ? Double.NaN : CpuUse.ceiling(referenceCpu, count),
                        IntakeScenario.PROFILE));
        text.append("\nTime between a job's timeline entries (median over the %d last jobs of each run): %s.\n"
                .formatted(
                        SAMPLE,
                        String.join(
                                ", ",
                                stageMillis.entrySet().stream()
                                        .map(e -> e.getKey()
                                                + " %.0f ms"
                                                        .formatted(Stats.of(e.getValue())
                                                                .median()))
                                        .toList())));
        return new Report.Section("Small jobs: many one-shard jobs run to the end", text.toString());
    }

    /** Submits {@code count} jobs and waits until all have SUCCEEDED; the seconds from the first submit. */
    private static double runPlatform(OneRowJobs jobs, int count) throws Exception {
        long succeeded = jobs.count("SUCCEEDED");
        long failed = jobs.count("FAILED");
        long started = System.nanoTime();
        Load.run(count, IntakeScenario.THREADS, jobs::submit);
        awaitCount(
                () -> {
                    if (jobs.count("FAILED") > failed) {
                        throw new IllegalStateException("a small job FAILED; see the platform's log");
                    }
                    return jobs.count("SUCCEEDED");
                },
                succeeded + count);
        return (System.nanoTime() - started) / 1e9;
    }

    /**
     * Enqueues {@code count} jobs, then starts a server, whose first poll comes at once, and waits until all have
     * SUCCEEDED; the seconds from the first enqueue. Started later, the server could sleep through a poll interval.
     */
    private static double runReference(JobRunrReference reference, int count) throws Exception {
        long started = System.nanoTime();
        Load.run(count, IntakeScenario.THREADS, reference::enqueue);
        var server = reference.server(LANES);
        try {
            awaitCount(reference::succeeded, count);
            return (System.nanoTime() - started) / 1e9;
        } finally {
            server.stop();
            reference.clear();
        }
    }

    private static void awaitCount(LongSupplier count, long target) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
        long counted;
        while ((counted = count.getAsLong()) < target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the jobs did not all succeed within 30 minutes");
            }
            // long waits while many remain (they cannot end sooner at 2,000 jobs/s), the short one near the end
            Thread.sleep(Math.clamp((target - counted) / 2, POLL_MILLIS, 2_000));
        }
    }

    /** Adds the gaps between consecutive timeline entries of the last jobs, keyed "queued → running" and so on. */
    private static void stages(Http api, Map<String, List<Double>> millis) {
        for (var job :
                api.get("/api/v1/jobs?status=SUCCEEDED&size=" + SAMPLE).body().get("items")) {
            String previous = null;
            Instant previousAt = null;
            for (var entry : api.get("/api/v1/jobs/" + job.get("id").asString() + "/events")
                    .body()) {
                String type = entry.get("type").asString();
                String stage = type.substring(type.lastIndexOf('.') + 1);
                var at = Instant.parse(entry.get("at").asString());
                if (previous != null) {
                    millis.computeIfAbsent(previous + " → " + stage, k -> new ArrayList<>())
                            .add(Duration.between(previousAt, at).toNanos() / 1e6);
                }
                previous = stage;
                previousAt = at;
            }
        }
    }
}
