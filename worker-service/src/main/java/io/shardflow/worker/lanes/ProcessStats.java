package io.shardflow.worker.lanes;

import io.shardflow.db.workers.WorkerStats;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/** What this worker says of itself with each heartbeat: processor, memory, and the models its caches hold. */
public final class ProcessStats {
    private final Supplier<Set<UUID>> loadedModels;

    public ProcessStats(Supplier<Set<UUID>> loadedModels) {
        this.loadedModels = loadedModels;
    }

    public WorkerStats read() {
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        double processCpu = -1;
        double systemCpu = -1;
        long memoryTotal = 0;
        long memoryUsed = 0;
        // the JDK's own bean where the platform has it (every JDK Shardflow runs on does); figures it cannot tell are
        // reported as not known rather than guessed
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            processCpu = os.getProcessCpuLoad();
            systemCpu = os.getCpuLoad();
            memoryTotal = os.getTotalMemorySize();
            memoryUsed = memoryTotal - os.getFreeMemorySize();
        }
        return new WorkerStats(
                processCpu,
                systemCpu,
                heap.getUsed(),
                heap.getMax(),
                memoryUsed,
                memoryTotal,
                new ArrayList<>(loadedModels.get()));
    }
}
