package io.shardflow.db.quotas;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.Transitions;
import io.shardflow.core.shards.ShardStatus;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What tenants use now of what their quotas cap: lanes their shards hold, jobs not yet ended, and how lane-time was
 * shared between them lately. Counted from the rows on each call (through partial indexes that hold only open jobs and
 * busy shards), so there is no counter that every writer would have to keep right.
 */
public class TenantLoad {
    /** The unfinished statuses as a literal list, so that the planner can use the partial index jobs_unfinished. */
    private static final String UNFINISHED = Transitions.in("status", JobStatus.unfinished());
    /** A shard that holds a lane: dispatched to it or running on it. */
    private static final String ON_A_LANE =
            Transitions.in("s.status", EnumSet.of(ShardStatus.DISPATCHED, ShardStatus.RUNNING));

    /** Namespaces the per-tenant queue locks among the database's advisory locks. */
    private static final int QUEUE_LOCKS = 0x51554555;

    private final JdbcClient jdbc;

    public TenantLoad(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A tenant's use: lanes its shards hold, and its jobs not yet ended. */
    public record Use(String tenant, long runningShards, long queuedJobs) {}

    /** Seconds of lane-time a tenant's shards held in the bucket starting at {@code from}. */
    public record LaneTime(Instant from, String tenant, double seconds) {}

    /**
     * Holds the tenant's queue lock until the current transaction ends: submissions of one tenant that count its
     * jobs against a cap take turns, so two of them cannot both pass at the limit. Other tenants are not held up.
     */
    public void lockQueue(String tenant) {
        jdbc.sql("select pg_advisory_xact_lock(?, hashtext(?))")
                .params(QUEUE_LOCKS, tenant)
                .query((rs, n) -> 1)
                .single();
    }

    /** The tenant's jobs that have not ended: QUEUED, PLANNING, RUNNING or AGGREGATING. */
    public long queuedJobs(String tenant) {
        return jdbc.sql("select count(*) from jobs where tenant = ? and " + UNFINISHED)
                .param(tenant)
                .query(Long.class)
                .single();
    }

    /** The tenant's shards that hold a lane: dispatched or running, and not joining another task's batch. */
    public long runningShards(String tenant) {
        return jdbc.sql("""
                        select count(*) from shards s join jobs j on j.id = s.job_id
                         where\s""" + ON_A_LANE + " and s.takes_lane and j.tenant = ?")
                .param(tenant)
                .query(Long.class)
                .single();
    }

    /** The use of every tenant with a job not yet ended, by tenant. */
    public List<Use> busy() {
        return jdbc.sql("""
                        select j.tenant, count(*) as queued,
                               coalesce(sum((select count(*) from shards s
                                              where s.job_id = j.id and\s""" + ON_A_LANE + """
                                                and s.takes_lane)), 0) as running
                          from jobs j where j.""" + UNFINISHED + """
                         group by j.tenant order by j.tenant""")
                .query((rs, n) -> new Use(rs.getString("tenant"), rs.getLong("running"), rs.getLong("queued")))
                .list();
    }

    /**
     * Lane-time by tenant in {@code buckets} buckets of {@code bucket} each, the last ending at {@code now}: each
     * shard that held a lane counts from its start to its end (to now while it runs). Buckets and tenants without
     * any are left out.
     */
    public List<LaneTime> laneTime(Instant now, Duration bucket, int buckets) {
        var from = now.minus(bucket.multipliedBy(buckets));
        return jdbc.sql("""
                        with held as (
                          select j.tenant, s.started_at as a, coalesce(s.finished_at, cast(:now as timestamptz)) as z
                            from shards s join jobs j on j.id = s.job_id
                           where s.takes_lane and s.started_at is not null and s.started_at < cast(:now as timestamptz)
                             and ((s.finished_at is null and\s""" + ON_A_LANE + """
                                  ) or s.finished_at > cast(:from as timestamptz))),
                        b as (
                          select i, cast(:from as timestamptz) + i * make_interval(secs => :bucket) as lo,
                                 cast(:from as timestamptz) + (i + 1) * make_interval(secs => :bucket) as hi
                            from generate_series(0, :buckets - 1) as i)
                        select b.lo, held.tenant,
                               sum(extract(epoch from least(held.z, b.hi) - greatest(held.a, b.lo))) as seconds
                          from b join held on held.a < b.hi and held.z > b.lo
                         group by b.lo, held.tenant
                         order by b.lo, held.tenant""")
                .param("now", Timestamp.from(now))
                .param("from", Timestamp.from(from))
                .param("bucket", (double) bucket.toMillis() / 1000)
                .param("buckets", buckets)
                .query((rs, n) -> new LaneTime(
                        rs.getTimestamp("lo").toInstant(), rs.getString("tenant"), rs.getDouble("seconds")))
                .list();
    }
}
