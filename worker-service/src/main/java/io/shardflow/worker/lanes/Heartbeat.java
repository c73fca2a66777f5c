package io.shardflow.worker.lanes;

import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.workers.WorkerRegistry;
import io.shardflow.worker.WorkerSettings;
import io.shardflow.worker.compute.ComputeEngine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * Reports this worker and extends the leases of its lanes' slots, of the tasks dispatched to it and not started yet,
 * and of the attempts its lanes are computing, so only the shards of a dead worker (or of a lane that lost its
 * attempt) expire. It keeps beating while the database is away; the log
 * gets the first failure with its stack trace, a line a minute while failures go on, and a line on recovery.
 */
public class Heartbeat {
    private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);
    private static final Duration REPEAT_WARNING = Duration.ofMinutes(1);

    private final WorkerIdentity identity;
    private final WorkerSettings settings;
    private final WorkerRegistry registry;
    private final ShardRepository shards;
    private final ShardExecutor executor;
    private final Lanes lanes;
    private final ComputeEngine engine;
    private final ProcessStats stats;
    private final Clock clock;
    private volatile @Nullable Instant lastBeat;
    // the current run of failures; only beat() touches these, one run at a time
    private @Nullable Instant failingSince;
    private @Nullable Instant lastWarning;
    private int failures;

    public Heartbeat(
            WorkerIdentity identity,
            WorkerSettings settings,
            WorkerRegistry registry,
            ShardRepository shards,
            ShardExecutor executor,
            Lanes lanes,
            ComputeEngine engine,
            ProcessStats stats,
            Clock clock) {
        this.stats = stats;
        this.identity = identity;
        this.settings = settings;
        this.registry = registry;
        this.shards = shards;
        this.executor = executor;
        this.lanes = lanes;
        this.engine = engine;
        this.clock = clock;
    }

    @Scheduled(fixedDelayString = "#{@'" + WorkerSettings.BEAN + "'.heartbeatInterval().toMillis()}")
    public void beat() {
        try {
            registry.heartbeat(
                    identity.id(),
                    identity.host(),
                    settings.effectiveLanes(),
                    executor.busyLanes(),
                    engine.laneDevices(settings.effectiveLanes()),
                    executor.tasksDone(),
                    settings.modelCap(),
                    stats.read());
            var leaseUntil = clock.instant().plus(settings.lease());
            shards.extendDispatched(identity.id(), lanes.slots(), leaseUntil);
            for (var task : executor.inFlight()) {
                shards.extendLease(ShardKey.of(task), task.attempt(), identity.id(), leaseUntil);
            }
            // the lanes last: a worker that dies mid-beat leaves no lane leased beyond the shards on it, so a shard
            // queued again when its lease runs out never finds its dead lane still offered
            lanes.renew(leaseUntil);
            lastBeat = clock.instant();
            if (failingSince != null) {
                log.info("heartbeat recovered after {} failed attempt(s) since {}", failures, failingSince);
                failingSince = null;
            }
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private void failed(RuntimeException e) {
        var now = clock.instant();
        var warned = lastWarning;
        if (failingSince == null || warned == null) {
            failingSince = now;
            lastWarning = now;
            failures = 1;
            log.warn("heartbeat failed; this worker's leases are not extended until it succeeds", e);
            return;
        }
        failures++;
        if (!now.isBefore(warned.plus(REPEAT_WARNING))) {
            lastWarning = now;
            log.warn(
                    "heartbeat still failing: {} attempt(s) since {}, the last with {}",
                    failures,
                    failingSince,
                    e.toString());
        }
    }

    /** When the last heartbeat succeeded; null before the first. */
    public @Nullable Instant lastBeat() {
        return lastBeat;
    }
}
