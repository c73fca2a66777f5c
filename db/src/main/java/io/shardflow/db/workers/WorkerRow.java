package io.shardflow.db.workers;

import java.time.Instant;
import java.util.List;

/** A worker process as it last reported itself. */
public record WorkerRow(
        String id,
        String host,
        int lanes,
        int lanesBusy,
        List<String> devices,
        long tasksDone,
        Instant startedAt,
        Instant heartbeatAt) {}
