package io.shardflow.db.shards;

import static io.shardflow.core.shards.ShardStatus.PENDING;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.Transitions;
import io.shardflow.core.shards.ShardStatus;
import io.shardflow.db.quotas.QuotaDefaults;
import io.shardflow.db.quotas.TenantQuota;
import io.shardflow.db.quotas.TenantQuotas;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The shards waiting for a lane (PENDING rows of jobs that have not ended), as admission reads them, and what each
 * tenant holds now. Reads only: admission dispatches through {@link ShardRepository#assign}.
 */
public class ShardQueue {
    private static final String ACTIVE_JOB = Transitions.in("j.status", JobStatus.unfinished());
    /**
     * A shard's job has not ended, as a scalar subquery rather than {@code exists}: PostgreSQL turns an exists into a
     * join of every waiting shard with every unfinished job, then sorts, where this reads only a queue head's rows.
     */
    private static final String ITS_JOB_UNFINISHED =
            Transitions.in("(select j.status from jobs j where j.id = s.job_id)", JobStatus.unfinished());

    private static final String ON_A_LANE =
            Transitions.in("s.status", EnumSet.of(ShardStatus.DISPATCHED, ShardStatus.RUNNING));

    private final JdbcClient jdbc;

    public ShardQueue(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A shard waiting for admission, with what admission weighs: its job's tenant and current priority (so a change
     * of priority applies at once), since when it waits, and what it needs of a lane.
     */
    public record Waiting(
            ShardKey key,
            int attempt,
            String tenant,
            int priority,
            Instant queuedAt,
            long needBytes,
            boolean takesLane) {}

    /**
     * Lanes a tenant's shards hold now, when one of its shards was last given a lane, and the lane-seconds its shards
     * ran lately (see {@link #load}).
     */
    public record TenantLoad(
            String tenant, int running, @Nullable Instant lastDispatched, double laneSeconds) {}

    /**
     * Up to {@code perTenant} waiting shards of each tenant (lane-taking ones and others apart), the first of each
     * tenant's queue: higher priority first, then the longest waiting.
     */
    public List<Waiting> waiting(int perTenant) {
        return waiting(perTenant, true);
    }

    /** As {@link #waiting(int)}; without {@code laneTaking}, only the shards that take no lane (generation). */
    public List<Waiting> waiting(int perTenant, boolean laneTaking) {
        return jdbc.sql(headsStatement(laneTaking))
                .param("per", perTenant)
                .query((rs, n) -> new Waiting(
                        new ShardKey(
                                rs.getObject("job_id", UUID.class),
                                rs.getInt("step"),
                                rs.getInt("stage"),
                                rs.getInt("shard_index")),
                        rs.getInt("attempt"),
                        rs.getString("tenant"),
                        rs.getInt("priority"),
                        rs.getTimestamp("queued_at").toInstant(),
                        rs.getLong("need_bytes"),
                        rs.getBoolean("takes_lane")))
                .list();
    }

    /**
     * The statement {@link #waiting(int, boolean)} runs, with its one parameter {@code :per}: a loose scan over the
     * tenants with waiting shards, then the head of each one's queue, both through the index of waiting shards in
     * queue order, so that a pass costs the same with ten shards waiting or a hundred thousand.
     */
    public static String headsStatement(boolean laneTaking) {
        return """
                with recursive tenants as (
                  (select tenant from shards where status = '%1$s' order by tenant limit 1)
                  union all
                  select (select s.tenant from shards s where s.status = '%1$s' and s.tenant > t.tenant
                          order by s.tenant limit 1)
                  from tenants t where t.tenant is not null)
                select w.* from tenants t
                cross join (values (true), (false)) as kind(takes_lane)
                cross join lateral (
                  select s.job_id, s.step, s.stage, s.shard_index, s.attempt, s.tenant, s.priority, s.queued_at,
                    s.need_bytes, s.takes_lane
                  from shards s
                  where s.status = '%1$s' and s.tenant = t.tenant and s.takes_lane = kind.takes_lane
                    and %2$s
                  order by s.priority desc, s.queued_at, s.job_id, s.step, s.stage, s.shard_index
                  limit :per) w
                where t.tenant is not null%3$s
                order by w.tenant, w.takes_lane, w.priority desc, w.queued_at, w.job_id, w.step, w.stage,
                  w.shard_index""".formatted(
                        PENDING.name(),
                        ITS_JOB_UNFINISHED,
                        // literal, so that only the free shards' part of the index is read
                        laneTaking ? "" : " and not kind.takes_lane");
    }

    /**
     * Each tenant with shards on lanes or finished within the window: the lanes its shards hold, when it was last
     * given one (within the window; earlier counts as never), and the lane-seconds its shards ran since {@code since}
     * (running ones up to {@code now}), the measure of fair share. It reads only shards on lanes and those finished
     * since {@code since}, whatever the queue's length; a tenant absent from the map holds and ran nothing lately.
     */
    public Map<String, TenantLoad> load(Instant since, Instant now) {
        var loads = new HashMap<String, TenantLoad>();
        jdbc.sql("""
                        with recent as (
                          select tenant, takes_lane, status, dispatched_at, started_at, finished_at from shards s
                          where %1$s
                          union all
                          select tenant, takes_lane, status, dispatched_at, started_at, finished_at from shards s
                          where finished_at > :since and not (%1$s))
                        select tenant,
                          count(*) filter (where %1$s and takes_lane) as running,
                          max(dispatched_at) as last_dispatched,
                          coalesce(sum(extract(epoch from least(coalesce(finished_at, :now), :now)
                                                          - greatest(started_at, :since)))
                                   filter (where takes_lane and started_at is not null
                                             and (finished_at is not null or status = :running)), 0) as seconds
                        from recent s where tenant is not null group by tenant""".formatted(ON_A_LANE))
                .param("now", Timestamp.from(now))
                .param("since", Timestamp.from(since))
                .param("running", ShardStatus.RUNNING.name())
                .query((rs, n) -> {
                    Timestamp last = rs.getTimestamp("last_dispatched");
                    return new TenantLoad(
                            rs.getString("tenant"),
                            rs.getInt("running"),
                            last == null ? null : last.toInstant(),
                            Math.max(0, rs.getDouble("seconds")));
                })
                .list()
                .forEach(load -> loads.put(load.tenant(), load));
        return loads;
    }

    /**
     * The lanes each tenant's shards hold now, without their lane-time or last dispatch (zero and none): what
     * admission weighs when a single tenant waits for lanes. One read of the shards on lanes.
     */
    public Map<String, TenantLoad> held() {
        var held = new HashMap<String, TenantLoad>();
        jdbc.sql("select tenant, count(*) from shards s where %s and takes_lane and tenant is not null group by tenant"
                        .formatted(ON_A_LANE))
                .query((rs, n) -> new TenantLoad(rs.getString(1), rs.getInt(2), null, 0))
                .list()
                .forEach(load -> held.put(load.tenant(), load));
        return held;
    }

    /**
     * Since when fair share measures lane-time: {@code window} back from {@code now}, or, if later, since the tenant
     * that came last to the queue submitted its oldest unfinished job: a tenant that arrives gets no debt for the
     * time it was not there, and the tenants before it no credit.
     */
    public Instant fairShareSince(Instant now, Duration window) {
        // a loose scan over the tenants with unfinished jobs and each one's oldest, through their index
        var arrived = jdbc.sql("""
                        with recursive tenants as (
                          (select tenant from jobs j where %1$s order by tenant limit 1)
                          union all
                          select (select j.tenant from jobs j where %1$s and j.tenant > t.tenant
                                  order by j.tenant limit 1)
                          from tenants t where t.tenant is not null)
                        select max(first) from (
                          select (select min(j.created_at) from jobs j where j.tenant = t.tenant and %1$s) as first
                          from tenants t where t.tenant is not null) f
                        where first <= ?""".formatted(ACTIVE_JOB))
                .param(Timestamp.from(now))
                .query(Timestamp.class)
                .optional()
                .map(Timestamp::toInstant)
                .orElse(null);
        var start = now.minus(window);
        return arrived != null && arrived.isAfter(start) && arrived.isBefore(now) ? arrived : start;
    }

    /**
     * What waits that a lane able to hold {@code capBytes} could run instead of the rest of the running shard
     * {@code key}: whether a shard of higher priority does, and which other tenants at the same priority wait while
     * holding fewer lanes for their weight than the running shard's tenant would after giving this one up (and below
     * their own {@code maxRunningShards}). Tenants without a quota row have {@code defaults}.
     */
    public Contenders contenders(ShardKey key, long capBytes, QuotaDefaults defaults) {
        var rows = jdbc.sql("""
                        with mine as (select tenant, priority from jobs where id = :job),
                        held as (select j.tenant, count(*) as n from shards s join jobs j on j.id = s.job_id
                                 where %s and s.takes_lane group by j.tenant)
                        select distinct j.priority > m.priority as higher, j.tenant, m.tenant as mine
                          from shards s join jobs j on j.id = s.job_id cross join mine m
                            left join held h on h.tenant = j.tenant
                            left join tenant_quotas q on q.tenant = j.tenant
                            left join held hm on hm.tenant = m.tenant
                            left join tenant_quotas qm on qm.tenant = m.tenant
                          where s.status = :pending and s.takes_lane and s.need_bytes <= :cap and %s
                            and (j.priority > m.priority
                                 or (j.priority = m.priority and j.tenant <> m.tenant
                                     and coalesce(h.n, 0) / coalesce(q.weight, :weight)
                                         < (coalesce(hm.n, 1) - 1) / coalesce(qm.weight, :weight)
                                     and coalesce(h.n, 0) < coalesce(q.max_running_shards, :maxRunning)))
                          limit 100""".formatted(ON_A_LANE, ACTIVE_JOB))
                .param("job", key.jobId())
                .param("pending", PENDING.name())
                .param("cap", capBytes)
                .param("weight", defaults.weight())
                .param("maxRunning", defaults.maxRunningShards() > 0 ? defaults.maxRunningShards() : Integer.MAX_VALUE)
                .query((rs, n) -> new Contender(rs.getBoolean(1), rs.getString(2), rs.getString(3)))
                .list();
        var belowShare = new TreeSet<String>();
        rows.stream().filter(r -> !r.higher()).forEach(r -> belowShare.add(r.tenant()));
        return new Contenders(
                rows.stream().anyMatch(Contender::higher),
                rows.isEmpty() ? null : rows.getFirst().mine(),
                Set.copyOf(belowShare));
    }

    /** One row of {@link #contenders}: a waiting tenant, whether at a higher priority, and the running shard's. */
    private record Contender(boolean higher, String tenant, String mine) {}

    /**
     * Whether the running shard {@code key} should give its lane up at the end of this slice: a shard of higher
     * priority waits, or a tenant below its instant share of lanes waits that has also had less lane-time lately for
     * its weight than the running shard's tenant (the measure admission shares by, so a lane goes back and forth only
     * when admission would have given it the other way).
     */
    public boolean betterWaiting(
            ShardKey key, long capBytes, TenantQuotas quotas, QuotaDefaults defaults, Instant now) {
        var contenders = contenders(key, capBytes, defaults);
        var mine = contenders.mine();
        if (contenders.higherPriority()) {
            return true;
        }
        if (mine == null || contenders.belowShare().isEmpty()) {
            return false;
        }
        var loads = load(fairShareSince(now, defaults.fairShareWindow()), now);
        var tenants = new TreeSet<>(contenders.belowShare());
        tenants.add(mine);
        var weights = quotas.effective(tenants);
        double myShare = laneSeconds(loads, mine) / weight(weights, mine);
        return contenders.belowShare().stream()
                .anyMatch(tenant -> laneSeconds(loads, tenant) / weight(weights, tenant) < myShare);
    }

    private static double weight(Map<String, TenantQuota> quotas, String tenant) {
        var quota = quotas.get(tenant);
        return quota == null ? 1 : quota.weight();
    }

    private static double laneSeconds(Map<String, TenantLoad> loads, String tenant) {
        var load = loads.get(tenant);
        return load == null ? 0 : load.laneSeconds();
    }

    /**
     * What {@link #contenders} found: a higher priority waiting, or tenants below their instant share of lanes
     * ({@code mine}: the running shard's tenant, null when nothing was found).
     */
    public record Contenders(
            boolean higherPriority, @Nullable String mine, Set<String> belowShare) {}

    /** Whether any shard waits for a lane that a lane able to hold {@code capBytes} could run: one index probe. */
    public boolean anyWaiting(long capBytes) {
        // the status literal, so that the partial index of shards waiting for a lane is the plan, never a table scan
        return jdbc.sql("select exists (select 1 from shards where status = '%s' and takes_lane and need_bytes <= ?)"
                        .formatted(PENDING.name()))
                .params(capBytes)
                .query(Boolean.class)
                .single();
    }

    /** How many shards wait for admission. */
    public int depth() {
        return jdbc.sql("select count(*) from shards s join jobs j on j.id = s.job_id where s.status = ? and "
                        + ACTIVE_JOB)
                .param(PENDING.name())
                .query(Integer.class)
                .single();
    }
}
