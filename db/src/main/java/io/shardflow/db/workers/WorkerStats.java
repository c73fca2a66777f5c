package io.shardflow.db.workers;

import java.util.List;
import java.util.UUID;

/**
 * What a worker says of itself with each heartbeat beyond its lanes.
 *
 * @param processCpu the worker process's share of the machine's processors, 0..1 (negative: not known)
 * @param systemCpu the whole machine's, 0..1 (negative: not known)
 * @param heapUsed Java heap in use, bytes
 * @param heapMax the heap's limit, bytes
 * @param memoryUsed the machine's memory in use, bytes (0: not known)
 * @param memoryTotal the machine's memory, bytes (0: not known)
 * @param models the models (or model partitions and stages) its caches hold loaded
 */
public record WorkerStats(
        double processCpu,
        double systemCpu,
        long heapUsed,
        long heapMax,
        long memoryUsed,
        long memoryTotal,
        List<UUID> models) {}
