package io.shardflow.api.quotas;

import io.shardflow.api.errors.QuotaExceededException;
import io.shardflow.db.quotas.QuotaDefaults;
import io.shardflow.db.quotas.TenantLoad;
import io.shardflow.db.quotas.TenantQuotas;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * Each tenant's cap on jobs not yet ended ({@code maxQueuedJobs}), checked where a job is created, in the transaction
 * that creates it: the tenant's queue lock ({@link TenantLoad#lockQueue}) is taken before the count and held to the
 * commit, so two submissions at the limit take turns and the second sees the first's job. A single submission enters
 * last, after its job is written, so that submissions of a tenant take turns only for the count and the commit; an
 * idempotent replay of a job that exists is answered before the count, so a retry is never refused.
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

        /**
         * The room left for jobs not yet inserted, for a batch: the tenant's open jobs are counted once, here, and
         * each job the batch takes counts on top of them.
         */
        public Room room() {
            return new Room(max == null ? 0 : load.queuedJobs(tenant));
        }

        /** What a batch may still add to the tenant's queue. */
        public final class Room {
            private long open;

            private Room(long open) {
                this.open = open;
            }

            /**
             * Throws the {@link QuotaExceededException} a single submission would get where one more job would take
             * the tenant past its cap; else takes nothing ({@link #take} does, once the job is sure to be inserted).
             */
            public void check() {
                if (max != null && open + 1 > max) {
                    throw QuotaExceededException.queuedJobs(tenant, limit, max, open, RETRY_AFTER_SECONDS);
                }
            }

            /** Counts one more job of the batch among the tenant's open ones. */
            public void take() {
                open++;
            }
        }
    }
}
