package io.shardflow.scheduler;

import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The scheduler's settings ({@code shardflow.scheduler.*}).
 *
 * @param dispatchLease how long a dispatched shard may wait for a worker to start it before it is sent again
 * @param sweepInterval how often expired leases are looked for
 * @param workerFreshness a worker heard from within this long counts towards the fleet's lanes
 * @param fallbackShards data shards per job when a job names none and no worker has reported yet
 * @param stallAfter a queued job not planned, or a running job whose shards are all done but not merged, for this
 *     long is picked up by the reconciler
 * @param reconcileInterval how often the reconciler looks
 * @param checkpointEvery training steps between checkpoints, when a job names no interval
 * @param listenerConcurrency consumer threads per process that plan jobs and handle shard notices; a job's row
 *     lock keeps one of them at a time on it, whichever process they run in
 */
@Validated
@ConfigurationProperties("shardflow.scheduler")
public record SchedulerSettings(
        @DefaultValue("5m") Duration dispatchLease,
        @DefaultValue("1s") Duration sweepInterval,
        @DefaultValue("15s") Duration workerFreshness,
        @DefaultValue("1") @Min(1) int fallbackShards,
        @DefaultValue("30s") Duration stallAfter,
        @DefaultValue("10s") Duration reconcileInterval,
        @DefaultValue("50") @Min(1) int checkpointEvery,
        @DefaultValue("2") @Min(1) int listenerConcurrency) {

    /**
     * The name Spring Boot registers this record's bean under ({@code prefix-class name}), so that annotations whose
     * attributes are strings ({@code @KafkaListener(concurrency)}, {@code @Scheduled(fixedDelayString)}) read the
     * bound setting, default included, with {@code #{@'…'.setting()}} instead of repeating its default.
     */
    public static final String BEAN = "shardflow.scheduler-io.shardflow.scheduler.SchedulerSettings";
}
