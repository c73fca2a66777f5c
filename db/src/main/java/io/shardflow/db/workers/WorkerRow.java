package io.shardflow.db.workers;

import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** A worker process as it last reported itself, and whether an operator drained it. */
public record WorkerRow(
        String id,
        String host,
        int lanes,
        int lanesBusy,
        List<String> devices,
        long tasksDone,
        Instant startedAt,
        Instant heartbeatAt,
        boolean draining,
        @Nullable WorkerStats stats) {}
