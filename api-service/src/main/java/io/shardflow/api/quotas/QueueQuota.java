package io.shardflow.api.quotas;

import io.shardflow.api.errors.QuotaExceededException;
import io.shardflow.db.quotas.QueueBounds;
import io.shardflow.db.quotas.QuotaDefaults;
import io.shardflow.db.quotas.TenantLoad;
import io.shardflow.db.quotas.TenantQuotas;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;

/**
 * Each tenant's cap on jobs not yet ended ({@code maxQueuedJobs}), checked where a job is created, in the transaction
 * that creates it: the tenant's queue lock ({@link TenantLoad#lockQueue}) is taken first and held to the commit, so
 * two submissions at the limit take turns and the second sees the first's job. A single submission enters last, after
 * its job is written, so that submissions of a tenant take turns only for the check and the commit; an idempotent
 * replay of a job that exists is answered before the check, so a retry is never refused.
 *
 * <p>The check does not count the tenant's open jobs each time (with many of them a count takes long, and every
 * submission of the tenant would wait for it in turn): it keeps an upper bound on them ({@link QueueBounds}). A
 * submission adds the jobs it inserts to the bound; it counts exactly, and stores the count as the bound, only where
 * the tenant has none counted within {@link #RECOUNT_AFTER}, or where the bound would pass the cap. Jobs that end are
 * not taken off the bound, so it only overestimates, and a submission is refused only where the exact count passes
 * the cap. Because every submission of a tenant holds the tenant's lock while it reads and writes the bound, and the
 * row update is in the submission's transaction (rolled back with it), the bound is never below the true count: the
 * cap is never passed.
 */
@Service
public class QueueQuota {
    /**
     * What a refusal asks the client to wait. A slot frees as soon as any of the tenant's jobs ends, which nobody can
     * foresee; a short, fixed wait lets a client's pipeline go on soon after one does, and each refused attempt costs
     * the server one count through an index of open jobs.
     */
    public static final long RETRY_AFTER_SECONDS = 2;

    /**
     * How long a tenant's bound is trusted before a submission counts afresh: it keeps the bound near the true count
     * as jobs end, so that a tenant far below its cap is seldom counted at all.
     */
    public static final Duration RECOUNT_AFTER = Duration.ofSeconds(5);

    private final TenantQuotas quotas;
    private final QuotaDefaults defaults;
    private final TenantLoad load;
    private final QueueBounds bounds;

    public QueueQuota(TenantQuotas quotas, QuotaDefaults defaults, TenantLoad load, QueueBounds bounds) {
        this.quotas = quotas;
        this.defaults = defaults;
        this.load = load;
        this.bounds = bounds;
    }

    /**
     * Opens the gate of a submission of {@code tenant}: within a transaction. Where the tenant has a cap, its queue
     * stays locked until the transaction ends.
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
            var raised = bounds.raise(tenant, 1, RECOUNT_AFTER);
            if (raised.isPresent() && raised.getAsLong() <= max) {
                return;
            }
            long open = count();
            if (open > max) {
                throw QuotaExceededException.queuedJobs(tenant, limit, max, open - 1, RETRY_AFTER_SECONDS);
            }
        }

        /** The tenant's open jobs counted exactly, and stored as its bound. */
        private long count() {
            long open = load.queuedJobs(tenant);
            bounds.store(tenant, open, true);
            return open;
        }

        /**
         * The room left for jobs not yet inserted, for a batch: the tenant's bound is read once, here, and each job
         * the batch takes counts on top of it; {@link Room#keep} stores it once the batch has taken its jobs.
         */
        public Room room() {
            if (max == null) {
                return new Room(0, false);
            }
            var fresh = bounds.fresh(tenant, RECOUNT_AFTER);
            return fresh.isPresent() ? new Room(fresh.getAsLong(), false) : new Room(load.queuedJobs(tenant), true);
        }

        /** What a batch may still add to the tenant's queue. */
        public final class Room {
            /** The bound on the tenant's open jobs, with the ones this batch took. */
            private long open;
            /** Whether {@link #open} was counted exactly in this transaction. */
            private boolean counted;

            private int taken;

            private Room(long open, boolean counted) {
                this.open = open;
                this.counted = counted;
            }

            /**
             * Throws the {@link QuotaExceededException} a single submission would get where one more job would take
             * the tenant past its cap; else takes nothing ({@link #take} does, once the job is sure to be inserted).
             */
            public void check() {
                if (max == null || open + 1 <= max) {
                    return;
                }
                if (!counted) {
                    // the jobs this batch took are not inserted yet: the count does not see them
                    open = load.queuedJobs(tenant) + taken;
                    counted = true;
                }
                if (open + 1 > max) {
                    throw QuotaExceededException.queuedJobs(tenant, limit, max, open, RETRY_AFTER_SECONDS);
                }
            }

            /** Counts one more job of the batch among the tenant's open ones. */
            public void take() {
                open++;
                taken++;
            }

            /** Stores the tenant's bound with the jobs this batch took, once it has taken them all. */
            public void keep() {
                if (max != null && (taken > 0 || counted)) {
                    bounds.store(tenant, open, counted);
                }
            }
        }
    }
}
