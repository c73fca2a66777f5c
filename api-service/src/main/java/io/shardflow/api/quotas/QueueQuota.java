package io.shardflow.api.quotas;

import io.shardflow.api.errors.QuotaExceededException;
import io.shardflow.db.quotas.QuotaDefaults;
import io.shardflow.db.quotas.TenantLoad;
import io.shardflow.db.quotas.TenantQuotas;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * Each tenant's cap on jobs not yet ended ({@code maxQueuedJobs}), checked where a job is created, in the transaction
 * that creates it: the tenant's queue lock is taken first ({@link TenantLoad#lockQueue}), so two submissions at the
 * limit take turns and the second sees the first's job; an idempotent replay of a job that exists is answered before
 * the count, so a retry is never refused.
 */
@Service
public class QueueQuota {
    /**
     * What a refusal asks the client to wait. A slot frees as soon as any of the tenant's jobs ends, which nobody can
     * foresee; a short, fixed wait lets a client's pipeline go on soon after one does, and each refused attempt costs
     * the server one count through an index of open jobs.
     */
    public static final long RETRY_AFTER_SECONDS = 2;

    private final TenantQuotas quotas;
    private final QuotaDefaults defaults;
    private final TenantLoad load;

    public QueueQuota(TenantQuotas quotas, QuotaDefaults defaults, TenantLoad load) {
        this.quotas = quotas;
        this.defaults = defaults;
        this.load = load;
    }

    /**
     * Opens the gate of a submission of {@code tenant}: within a transaction, before the job is inserted. Where the
     * tenant has a cap, its queue stays locked until the transaction ends.
     */
    public Gate enter(String tenant) {
        var own = quotas.find(tenant);
        Integer max = own.isPresent()
                ? own.get().maxQueuedJobs()
                : defaults.quotaOf(tenant).maxQueuedJobs();
        String limit = own.isPresent() ? "quota of tenant " + tenant : "shardflow.quotas.max-queued-jobs";
        if (max != null) {
            load.lockQueue(tenant);
        }
        return new Gate(tenant, max, limit);
    }

    /** A submission's pass, for the job it inserted. */
    public final class Gate {
        private final String tenant;
        private final @Nullable Integer max;
        private final String limit;

        private Gate(String tenant, @Nullable Integer max, String limit) {
            this.tenant = tenant;
            this.max = max;
            this.limit = limit;
        }

        /**
         * Admits the new job just inserted (and counted among the tenant's jobs), or throws a
         * {@link QuotaExceededException} so that the transaction rolls back and nothing of it is stored.
         */
        public void admit() {
            if (max == null) {
                return;
            }
            long open = load.queuedJobs(tenant);
            if (open > max) {
                throw QuotaExceededException.queuedJobs(tenant, limit, max, open - 1, RETRY_AFTER_SECONDS);
            }
        }
    }
}
