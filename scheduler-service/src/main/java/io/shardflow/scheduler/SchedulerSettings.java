package io.shardflow.scheduler;

import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The scheduler's settings ({@code shardflow.scheduler.*}).
 *
 * @param dispatchLease how long a shard dispatched to a lane may wait to be started before it is queued again; the
 *     lane's worker extends it with each heartbeat while it lives, so it runs out only when the worker died
 * @param admissionInterval how often admission looks for idle lanes and waiting shards besides being woken by what
 *     this process does (work queued, a lane freed): how soon it sees a worker join or another process's work
 *
 * @param aging how long a tenant with waiting work goes without a lane for its shards to rise one priority level
 *     (up to 200), so that no tenant waits forever behind higher priorities
 * @param sweepInterval how often expired leases are looked for
 * @param workerFreshness a worker heard from within this long counts towards the fleet's lanes
 * @param fallbackShards data shards per job when a job names none and no worker has reported yet
 * @param stallAfter a queued job not planned, or a running job whose shards are all done but not merged, for this
 *     long is picked up by the reconciler
 * @param reconcileInterval how often the reconciler looks
 * @param checkpointEvery training steps between checkpoints, when a job names no interval
 * @param listenerConcurrency consumer threads per process that plan jobs and handle shard notices; a job's row
 *     lock keeps one of them at a time on it, whichever process they run in
 * @param retention how long an ended job is kept (with its shards, partials, results, timeline and metrics) after it
 *     ended; {@code 0} keeps every job. Models a training job made are kept whatever happens to the job
 * @param retentionInterval how often ended jobs past {@code retention} are looked for
 */
@Validated
@ConfigurationProperties("shardflow.scheduler")
public record SchedulerSettings(
        @DefaultValue("15s") Duration dispatchLease,
        @DefaultValue("200ms") Duration admissionInterval,
        @DefaultValue("10s") Duration aging,

        @DefaultValue("1s") Duration sweepInterval,
        @DefaultValue("15s") Duration workerFreshness,
        @DefaultValue("1") @Min(1) int fallbackShards,
        @DefaultValue("30s") Duration stallAfter,
        @DefaultValue("10s") Duration reconcileInterval,
        @DefaultValue("50") @Min(1) int checkpointEvery,
        @DefaultValue("2") @Min(1) int listenerConcurrency,
        @DefaultValue("30d") Duration retention,
        @DefaultValue("1h") Duration retentionInterval) {

    /**
     * The name Spring Boot registers this record's bean under ({@code prefix-class name}), so that annotations whose
     * attributes are strings ({@code @KafkaListener(concurrency)}, {@code @Scheduled(fixedDelayString)}) read the
     * bound setting, default included, with {@code #{@'…'.setting()}} instead of repeating its default.
     */
    public static final String BEAN = "shardflow.scheduler-io.shardflow.scheduler.SchedulerSettings";
}
