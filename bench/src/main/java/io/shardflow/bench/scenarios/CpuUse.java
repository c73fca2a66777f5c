package io.shardflow.bench.scenarios;

import io.shardflow.bench.Platform;
import io.shardflow.bench.Stats;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Processor seconds used by the platform (with its PostgreSQL) and by the bench's JVM (the clients, and JobRunr
 * when it is the reference): on a machine of few cores, whether a run was bound by the processor or by waiting.
 */
record CpuUse(double platform, double bench) {

    /** The counters now; the platform's are NaN when the bench did not start it ({@code --api}). */
    static CpuUse now(@Nullable Platform platform) {
        return new CpuUse(
                platform == null ? Double.NaN : platform.cpuSeconds(),
                ProcessHandle.current()
                                .info()
                                .totalCpuDuration()
                                .map(Duration::toNanos)
                                .orElse(0L)
                        / 1e9);
    }

    CpuUse since(CpuUse start) {
        return new CpuUse(platform - start.platform, bench - start.bench);
    }

    /** The jobs per second this machine's cores could run at the median processor time per job of the two processes. */
    static double ceiling(List<CpuUse> runs, int jobs) {
        double millis = Stats.of(runs.stream()
                        .mapToDouble(r -> (r.platform + r.bench) * 1000 / jobs)
                        .toArray())
                .median();
        return Runtime.getRuntime().availableProcessors() * 1000 / millis;
    }

    /** "platform ms, bench ms" per job, medians over runs of {@code jobs} jobs each. */
    static String perJob(List<CpuUse> runs, int jobs) {
        return Stats.of(runs.stream().mapToDouble(r -> r.platform * 1000 / jobs).toArray())
                        .spread("%.2f") + " ms, "
                + Stats.of(runs.stream().mapToDouble(r -> r.bench * 1000 / jobs).toArray())
                        .spread("%.2f") + " ms";
    }
}
