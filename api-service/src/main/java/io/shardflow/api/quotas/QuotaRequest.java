package io.shardflow.api.quotas;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.db.quotas.TenantQuota;
import org.jspecify.annotations.Nullable;

/**
 * The body of {@code PUT /api/v1/tenants/{tenant}/quota}: the whole quota, replacing the tenant's previous one. A cap
 * that is null (or left out) is no cap; {@code maxStorageBytes} null leaves the tenant under the configured storage
 * limit ({@code shardflow.api.limits.tenant-storage} or its override).
 *
 * @param maxRunningShards lanes the tenant's shards may hold at once: at least 1, or null for no cap
 * @param maxQueuedJobs jobs of the tenant not yet ended, beyond which a submission is answered 429: at least 1, or null
 *     for no cap
 * @param weight the tenant's weight in the fair share of lanes: required, more than 0 and at most {@link #MAX_WEIGHT}
 * @param maxStorageBytes the bytes the tenant may store (datasets, models, results): at least 1, or null for the
 *     configured limit
 */
public record QuotaRequest(
        @Nullable Integer maxRunningShards,
        @Nullable Integer maxQueuedJobs,
        @Nullable Double weight,
        @Nullable Long maxStorageBytes) {
    /** The largest weight: a thousand times the default share is plenty, and keeps shares' arithmetic tame. */
    public static final double MAX_WEIGHT = 1000;

    /** The quota of {@code tenant} this asks for; an {@link InvalidSpecException} naming the first field that is wrong. */
    public TenantQuota toQuota(String tenant) {
        atLeastOne(maxRunningShards, "maxRunningShards", "no cap");
        atLeastOne(maxQueuedJobs, "maxQueuedJobs", "no cap");
        var w = weight;
        InvalidSpecException.require(
                w != null, "weight", "is required: a number more than 0 and at most 1000 (the default is 1)");
        InvalidSpecException.require(
                w > 0 && w <= MAX_WEIGHT, "weight", "must be more than 0 and at most 1000, was " + w);
        atLeastOne(maxStorageBytes, "maxStorageBytes", "the configured storage limit");
        return new TenantQuota(tenant, maxRunningShards, maxQueuedJobs, w, maxStorageBytes);
    }

    private static void atLeastOne(@Nullable Number value, String field, String nullMeans) {
        InvalidSpecException.require(
                value == null || value.longValue() >= 1,
                field,
                "must be at least 1, or null for " + nullMeans + ", was " + value);
    }
}
