package io.shardflow.worker.lanes;

import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.workers.WorkerRegistry;
import io.shardflow.worker.WorkerSettings;
import io.shardflow.worker.compute.ComputeEngine;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Reports this worker and extends the leases of the attempts its lanes are computing, so only the shards of a
 * dead worker (or of a lane that lost its attempt) expire.
 */
public class Heartbeat {
    private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

    private final WorkerIdentity identity;
    private final WorkerSettings settings;
    private final WorkerRegistry registry;
    private final ShardRepository shards;
    private final ShardExecutor executor;
    private final ComputeEngine engine;
    private final Clock clock;
    private volatile Instant lastBeat;

    public Heartbeat(
            WorkerIdentity identity,
            WorkerSettings settings,
            WorkerRegistry registry,
            ShardRepository shards,
            ShardExecutor executor,
            ComputeEngine engine,
            Clock clock) {
        this.identity = identity;
        this.settings = settings;
        this.registry = registry;
        this.shards = shards;
        this.executor = executor;
        this.engine = engine;
        this.clock = clock;
    }

    @Scheduled(fixedDelayString = "${shardflow.worker.heartbeat-interval:2s}")
    public void beat() {
        try {
            registry.heartbeat(
                    identity.id(),
                    identity.host(),
                    settings.effectiveLanes(),
                    executor.busyLanes(),
                    engine.devices(),
                    executor.tasksDone(),
                    settings.modelCap());
            var leaseUntil = clock.instant().plus(settings.lease());
            for (var task : executor.inFlight()) {
                shards.extendLease(ShardKey.of(task), task.attempt(), identity.id(), leaseUntil);
            }
            lastBeat = clock.instant();
        } catch (RuntimeException e) {
            log.warn("heartbeat failed: {}", e.getMessage());
        }
    }

    public Instant lastBeat() {
        return lastBeat;
    }
}
