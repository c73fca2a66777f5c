package io.shardflow.api.quotas;

import io.shardflow.api.limits.StorageQuota;
import io.shardflow.api.security.ApiKeys;
import io.shardflow.api.security.Audit;
import io.shardflow.api.security.Caller;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.db.quotas.TenantLoad;
import io.shardflow.db.quotas.TenantQuota;
import io.shardflow.db.quotas.TenantQuotas;
import io.shardflow.db.usage.TenantUsage;
import org.springframework.stereotype.Service;

/** Reads and sets tenants' quotas, for the REST API and the dashboard alike; every change is in the audit log. */
@Service
public class Quotas {
    private final TenantQuotas quotas;
    private final TenantLoad load;
    private final TenantUsage usage;
    private final StorageQuota storage;
    private final Audit audit;

    public Quotas(TenantQuotas quotas, TenantLoad load, TenantUsage usage, StorageQuota storage, Audit audit) {
        this.quotas = quotas;
        this.load = load;
        this.usage = usage;
        this.storage = storage;
        this.audit = audit;
    }

    /** The tenant's effective quota and its use now. */
    public QuotaView view(String tenant) {
        checkName(tenant);
        var own = quotas.find(tenant);
        var quota = own.orElseGet(() -> quotas.effective(tenant));
        var use = new QuotaView.Use(load.runningShards(tenant), load.queuedJobs(tenant), usage.bytes(tenant));
        return QuotaView.of(quota, own.isPresent(), storageLimit(tenant), use);
    }

    /** The storage limit that applies to {@code tenant}. */
    public QuotaView.StorageLimit storageLimit(String tenant) {
        var limit = storage.limitOf(tenant);
        return new QuotaView.StorageLimit(limit.bytes() == Long.MAX_VALUE ? null : limit.bytes(), limit.name());
    }

    /** Stores the tenant's own quota, replacing any it had. */
    public QuotaView put(Caller by, String tenant, QuotaRequest request) {
        checkName(tenant);
        var quota = request.toQuota(tenant);
        quotas.put(quota);
        audit.record(by, "quota.put", tenant, "quota", describe(quota));
        return view(tenant);
    }

    /** Removes the tenant's own quota, so that the defaults apply; false when it had none. */
    public boolean reset(Caller by, String tenant) {
        checkName(tenant);
        boolean removed = quotas.delete(tenant);
        if (removed) {
            audit.record(by, "quota.reset", tenant, "quota", "back to the defaults");
        }
        return removed;
    }

    /** A tenant is named as an API key's tenant is. */
    static void checkName(String tenant) {
        InvalidSpecException.require(
                ApiKeys.TENANT.matcher(tenant).matches(),
                "tenant",
                "must be 1..63 letters, digits, '.', '-' or '_', starting with a letter or digit");
    }

    private static String describe(TenantQuota q) {
        return "maxRunningShards=" + q.maxRunningShards() + ", maxQueuedJobs=" + q.maxQueuedJobs() + ", weight="
                + q.weight() + ", maxStorageBytes=" + q.maxStorageBytes();
    }
}
