package io.shardflow.db.quotas;

import org.jspecify.annotations.Nullable;

/**
 * What a tenant may use: lanes at once, jobs not yet ended, bytes stored, and its weight in the fair share of
 * lanes between tenants with waiting work. A null cap is no cap.
 */
public record TenantQuota(
        String tenant,
        @Nullable Integer maxRunningShards,
        @Nullable Integer maxQueuedJobs,
        double weight,
        @Nullable Long maxStorageBytes) {

    public TenantQuota {
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight must be a positive number, was " + weight);
        }
    }

    /** A tenant with no caps and weight 1. */
    public static TenantQuota unlimited(String tenant) {
        return new TenantQuota(tenant, null, null, 1, null);
    }
}
