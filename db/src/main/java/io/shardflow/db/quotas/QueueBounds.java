package io.shardflow.db.quotas;

import java.time.Duration;
import java.util.OptionalLong;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Upper bounds on tenants' jobs not yet ended, so that a submission need not count them each time: read and written
 * only under the tenant's queue lock ({@link TenantLoad#lockQueue}), each submission adds the jobs it inserts, and an
 * exact count ({@link TenantLoad#queuedJobs}) replaces the bound when it is old or would pass the cap. Jobs that end
 * are not taken off, so a bound can only be too high. Times are the database's, the same for every instance.
 */
public class QueueBounds {
    private final JdbcClient jdbc;

    public QueueBounds(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The tenant's bound where it was counted less than {@code maxAge} ago; empty where it has none that fresh. */
    public OptionalLong fresh(String tenant, Duration maxAge) {
        return jdbc.sql("""
                        select open_jobs from tenant_queue_bounds
                         where tenant = ? and counted_at > clock_timestamp() - make_interval(secs => ?)""")
                .params(tenant, seconds(maxAge))
                .query(Long.class)
                .optional()
                .map(OptionalLong::of)
                .orElseGet(OptionalLong::empty);
    }

    /**
     * Adds {@code added} jobs to the tenant's bound where it was counted less than {@code maxAge} ago, and returns
     * the new bound; empty, changing nothing, where it has none that fresh. One statement: a submission's usual path.
     */
    public OptionalLong raise(String tenant, long added, Duration maxAge) {
        return jdbc.sql("""
                        update tenant_queue_bounds set open_jobs = open_jobs + ?
                         where tenant = ? and counted_at > clock_timestamp() - make_interval(secs => ?)
                        returning open_jobs""")
                .params(added, tenant, seconds(maxAge))
                .query(Long.class)
                .optional()
                .map(OptionalLong::of)
                .orElseGet(OptionalLong::empty);
    }

    /**
     * Stores the tenant's bound: {@code counted} where {@code openJobs} was counted exactly in this transaction (it is
     * dated now), else a bound raised from the stored one (which keeps its date).
     */
    public void store(String tenant, long openJobs, boolean counted) {
        jdbc.sql("""
                        insert into tenant_queue_bounds (tenant, open_jobs, counted_at) values (?, ?, clock_timestamp())
                        on conflict (tenant) do update set open_jobs = excluded.open_jobs,
                          counted_at = case when ? then excluded.counted_at else tenant_queue_bounds.counted_at end""").params(tenant, openJobs, counted).update();
    }

    private static double seconds(Duration age) {
        return age.toMillis() / 1000.0;
    }
}
