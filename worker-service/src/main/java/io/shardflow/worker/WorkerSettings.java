package io.shardflow.worker;

import io.shardflow.worker.compute.DeviceSelection;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * A worker's settings ({@code shardflow.worker.*}).
 *
 * @param id this worker's name in heartbeats and shard rows; empty means host name plus a random suffix
 * @param lanes compute lanes: tasks run at once, each on one thread; 0 means one per CPU core
 * @param device where the lanes compute: {@code auto} (every visible GPU, else the CPU), {@code cpu}, {@code gpu}
 *     (every visible GPU; none stops the worker at start) or GPU indices such as {@code 0,1}; lane i takes device
 *     i mod n
 * @param intraOpThreads PyTorch threads per operation; lanes × this should not exceed the cores
 * @param batchRows rows per forward pass, so a shard's input is read and computed a window at a time
 * @param sliceTime how long a data-parallel inference shard computes before its lane asks, between windows, whether
 *     waiting work should have the lane (higher priority, or a tenant below its fair share); if so, the rows done
 *     are stored and the rest is queued as a new shard. It asks again every {@code sliceTime}, and such a shard's
 *     windows are sized to about a quarter of it; 0 never asks
 * @param heartbeatInterval how often the worker reports itself and extends its shards' leases
 * @param lease how long a running shard is held without a heartbeat before the scheduler gives it to another worker
 * @param drainTimeout on a graceful stop, how long running shards may take to finish before they are handed back
 * @param modelCache the most parameter bytes the model cache keeps loaded; apart from those, the most bytes of
 *     training jobs' current parameter versions kept decoded between rounds
 * @param dataCache the most bytes of training-shard rows kept in memory between steps
 * @param maxModelBytes the most parameter bytes this worker loads, for one partition and in its cache together;
 *     0 means no cap. A task whose partition is larger fails with a reason that names both sizes
 * @param generation continuous batching of gpt generation: sequences per batched step, and how many may wait
 */
@Validated
@ConfigurationProperties("shardflow.worker")
public record WorkerSettings(
        @DefaultValue("") String id,
        @DefaultValue("0") @Min(0) int lanes,

        @DefaultValue("auto") @Pattern(regexp = DeviceSelection.PATTERN, flags = Pattern.Flag.CASE_INSENSITIVE)
        String device,

        @DefaultValue("1") @Min(1) int intraOpThreads,
        @DefaultValue("8192") @Min(1) int batchRows,
        @DefaultValue("100ms") Duration sliceTime,
        @DefaultValue("2s") Duration heartbeatInterval,
        @DefaultValue("10s") Duration lease,
        @DefaultValue("20s") Duration drainTimeout,
        @DefaultValue("1GB") DataSize modelCache,
        @DefaultValue("1GB") DataSize dataCache,
        @DefaultValue("0") DataSize maxModelBytes,
        @DefaultValue Generation generation) {

    /**
     * The name Spring Boot registers this record's bean under ({@code prefix-class name}), so that
     * {@code @Scheduled(fixedDelayString)} reads the bound setting, default included, with {@code #{@'…'.setting()}}
     * instead of repeating its default.
     */
    public static final String BEAN = "shardflow.worker-io.shardflow.worker.WorkerSettings";

    /**
     * Continuous batching of gpt generation.
     *
     * @param maxBatch sequences of one model that share a forward pass (KV-cache slots)
     * @param maxWaiting sequences waiting for a slot, beyond which a lane hands a new generation task back (it runs
     *     again a second later, here or on another worker, without using up an attempt) instead of waiting for room
     */
    public record Generation(
            @DefaultValue("64") @Min(1) int maxBatch,
            @DefaultValue("1024") @Min(1) int maxWaiting) {}

    /** The cap on loaded parameter bytes, or null without one. */
    public @Nullable Long modelCap() {
        return maxModelBytes.toBytes() > 0 ? maxModelBytes.toBytes() : null;
    }

    public int effectiveLanes() {
        return lanes > 0 ? lanes : Runtime.getRuntime().availableProcessors();
    }
}
