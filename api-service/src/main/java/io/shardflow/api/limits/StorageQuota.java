package io.shardflow.api.limits;

import io.shardflow.api.errors.LimitExceededException;
import io.shardflow.db.quotas.TenantQuotas;
import io.shardflow.db.usage.TenantUsage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Service;

/**
 * Each tenant's stored bytes against its limit: the {@code maxStorageBytes} of its own quota where that is set (an
 * ADMIN's {@code PUT /api/v1/tenants/{tenant}/quota}), else {@code tenant-storage} (or its override). A request is judged by the use when
 * it starts plus what it adds. The use is summed from the database at most once a {@link #FRESH_NANOS second} per
 * tenant and process, and no more often than {@link #READ_SHARE} times the sum's own time (a tenant with a million
 * results sums them in seconds: that must not cost a processor), and what this process stores meanwhile is added to
 * it, so that a stream of job submissions does not sum a tenant's results once per job; while one request sums
 * again, the others of this process go on with the last sum. Requests that run at the same
 * time (or in other API processes meanwhile) can together pass the limit by at most their own sizes; the next request
 * after a sum sees it.
 */
@Service
public class StorageQuota {
    private static final long FRESH_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** A sum is kept for at least this many times its own time: summing takes at most 1/50 of a processor. */
    private static final long READ_SHARE = 50;

    private final TenantUsage usage;
    private final LimitSettings limits;
    private final TenantQuotas quotas;
    private final ConcurrentHashMap<String, Use> uses = new ConcurrentHashMap<>();

    /** A tenant's use as last read, plus what this process stored since, and how long the read stays fresh. */
    private record Use(long bytes, long readAt, long freshNanos) {}

    public StorageQuota(TenantUsage usage, LimitSettings limits, TenantQuotas quotas) {
        this.quotas = quotas;
        this.usage = usage;
        this.limits = limits;
    }

    /**
     * Refuses {@code adding} more bytes for {@code tenant} where they would take it past its limit; the budget
     * returned is to be {@link Budget#stored} once they are.
     */
    public Budget check(String tenant, String field, long adding) {
        var budget = budget(tenant, field);
        budget.spend(adding);
        return budget;
    }

    /** A budget for a write that learns its size as it goes (an upload): each {@link Budget#spend} is checked. */
    public Budget budget(String tenant, String field) {
        var limit = limitOf(tenant);
        long used = limit.bytes() == Long.MAX_VALUE ? 0 : used(tenant);
        return new Budget(tenant, field, limit.name(), limit.bytes(), used);
    }

    /** A tenant's storage limit: its bytes ({@link Long#MAX_VALUE} for none) and what sets it. */
    public record Limit(long bytes, String name) {}

    /** The limit of {@code tenant}: its own quota's {@code maxStorageBytes} where set, else the settings'. */
    public Limit limitOf(String tenant) {
        var quota = quotas.find(tenant);
        Long own = quota.isPresent() ? quota.get().maxStorageBytes() : null;
        if (own != null) {
            return new Limit(own, "maxStorageBytes of the quota of tenant " + tenant);
        }
        return new Limit(limits.storageLimit(tenant), limits.storageLimitName(tenant));
    }

    private long used(String tenant) {
        var use = uses.get(tenant);
        if (use == null) {
            var first = read(tenant);
            var raced = uses.putIfAbsent(tenant, first);
            return (raced == null ? first : raced).bytes();
        }
        if (System.nanoTime() - use.readAt() <= use.freshNanos()) {
            return use.bytes();
        }
        // stale: one request of this process sums again, the others go on with the last sum meanwhile
        var claimed = new Use(use.bytes(), use.readAt(), Long.MAX_VALUE);
        if (!uses.replace(tenant, use, claimed)) {
            return use.bytes();
        }
        try {
            var fresh = read(tenant);
            uses.put(tenant, fresh);
            return fresh.bytes();
        } catch (RuntimeException e) {
            // stale again, whatever was stored meanwhile: the next request sums again
            uses.computeIfPresent(tenant, (t, current) -> new Use(current.bytes(), current.readAt(), 0));
            throw e;
        }
    }

    private Use read(String tenant) {
        long started = System.nanoTime();
        long bytes = usage.bytes(tenant);
        long took = System.nanoTime() - started;
        return new Use(bytes, started, Math.max(FRESH_NANOS, READ_SHARE * took));
    }

    /** What one request may still add to its tenant's storage. */
    public final class Budget {
        private final String tenant;
        private final String field;
        private final String limit;
        private final long max;
        private final long used;
        private long added;

        private Budget(String tenant, String field, String limit, long max, long used) {
            this.tenant = tenant;
            this.field = field;
            this.limit = limit;
            this.max = max;
            this.used = used;
        }

        /**
         * Counts {@code bytes} more; a {@link LimitExceededException} (413) once the total would pass the limit, and
         * then counts nothing (a batch goes on with its next job).
         */
        public void spend(long bytes) {
            long more = bytes > Long.MAX_VALUE - added ? Long.MAX_VALUE : added + bytes;
            long total = more > Long.MAX_VALUE - used ? Long.MAX_VALUE : used + more;
            if (total > max) {
                throw LimitExceededException.quota(field, limit, max, used, total);
            }
            added = more;
        }

        /** The bytes spent are stored (committed): the next request of the tenant counts them before a new read. */
        public void stored() {
            uses.computeIfPresent(tenant, (t, use) -> new Use(use.bytes() + added, use.readAt(), use.freshNanos()));
        }
    }
}
