package io.shardflow.api.quotas;

import io.shardflow.db.quotas.TenantQuota;
import org.jspecify.annotations.Nullable;

/**
 * A tenant's effective quota and its use now. {@code source} says where the quota comes from: {@code tenant} (its
 * own, set with PUT) or {@code default} ({@code shardflow.quotas.*}). {@code storageLimit} is the storage limit that
 * applies, whatever sets it.
 *
 * @param tenant the tenant
 * @param source {@code tenant} or {@code default}
 * @param maxRunningShards lanes at once; null for no cap
 * @param maxQueuedJobs jobs not yet ended; null for no cap
 * @param weight the weight in the fair share of lanes
 * @param maxStorageBytes the tenant's own storage cap; null where the configured limit applies
 * @param storageLimit the storage limit that applies
 * @param use what the tenant uses now
 */
public record QuotaView(
        String tenant,
        String source,
        @Nullable Integer maxRunningShards,
        @Nullable Integer maxQueuedJobs,
        double weight,
        @Nullable Long maxStorageBytes,
        StorageLimit storageLimit,
        Use use) {

    /**
     * The storage limit that applies.
     *
     * @param bytes the bytes the tenant may store; null for no limit
     * @param setBy what sets it: the tenant's quota, or the setting's name
     */
    public record StorageLimit(@Nullable Long bytes, String setBy) {}

    /**
     * @param runningShards the tenant's shards that hold a lane now (dispatched or running)
     * @param queuedJobs its jobs not yet ended (QUEUED, PLANNING, RUNNING, AGGREGATING)
     * @param storedBytes the bytes it stores: datasets, models and job results
     */
    public record Use(long runningShards, long queuedJobs, long storedBytes) {}

    static QuotaView of(TenantQuota quota, boolean own, StorageLimit storage, Use use) {
        return new QuotaView(
                quota.tenant(),
                own ? "tenant" : "default",
                quota.maxRunningShards(),
                quota.maxQueuedJobs(),
                quota.weight(),
                quota.maxStorageBytes(),
                storage,
                use);
    }
}
