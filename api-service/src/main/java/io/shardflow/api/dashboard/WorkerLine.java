package io.shardflow.api.dashboard;

import io.shardflow.db.workers.WorkerRow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;

/** A worker as the workers page shows it: its lanes and devices, processor, memory, models, and state. */
public record WorkerLine(
        String id,
        String host,
        String devices,
        String lanes,
        long done,
        String age,
        boolean lost,
        boolean draining,
        String cpu,
        String memory,
        List<String> models) {

    /** A worker silent for longer than this is shown LOST. */
    static final Duration LOST = Duration.ofSeconds(10);

    static WorkerLine of(WorkerRow worker, Instant now, Map<UUID, String> modelNames) {
        var silent = Duration.between(worker.heartbeatAt(), now);
        var stats = worker.stats();
        String cpu = "—";
        String memory = "—";
        List<String> models = List.of();
        if (stats != null) {
            cpu = stats.processCpu() < 0
                    ? "—"
                    : percent(stats.processCpu())
                            + (stats.systemCpu() < 0 ? "" : " (machine " + percent(stats.systemCpu()) + ")");
            memory = "heap " + bytes(stats.heapUsed()) + " / " + bytes(stats.heapMax())
                    + (stats.memoryTotal() > 0
                            ? " · machine " + bytes(stats.memoryUsed()) + " / " + bytes(stats.memoryTotal())
                            : "");
            models = stats.models().stream()
                    .map(id -> modelNames.getOrDefault(id, id.toString().substring(0, 8)))
                    .sorted()
                    .toList();
        }
        return new WorkerLine(
                worker.id(),
                worker.host(),
                lanesOn(worker.devices()),
                worker.lanesBusy() + " / " + worker.lanes(),
                worker.tasksDone(),
                DashboardController.ago(silent),
                silent.compareTo(LOST) > 0,
                worker.draining(),
                cpu,
                memory,
                models);
    }

    private static String percent(double share) {
        return Math.round(share * 100) + " %";
    }

    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return (bytes / 1024) + " KB";
        }
        if (bytes < 1024L * 1024 * 1024) {
            return (bytes / (1024 * 1024)) + " MB";
        }
        return String.format(Locale.ROOT, "%.1f GB", bytes / (1024.0 * 1024 * 1024));
    }

    /** "0: gpu(0), 1: gpu(1)": each lane's device as the worker reports it, in lane order. */
    static String lanesOn(List<String> devices) {
        return String.join(
                ", ",
                IntStream.range(0, devices.size())
                        .mapToObj(lane -> lane + ": " + devices.get(lane))
                        .toList());
    }
}
