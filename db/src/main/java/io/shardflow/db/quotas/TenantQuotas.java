package io.shardflow.db.quotas;

import io.shardflow.db.jdbc.SqlArgs;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Tenants' quotas as stored; a tenant without a row has the {@link QuotaDefaults}. */
public class TenantQuotas {
    private static final String COLUMNS = "tenant, max_running_shards, max_queued_jobs, weight, max_storage_bytes";

    private final JdbcClient jdbc;
    private final QuotaDefaults defaults;
    private final Clock clock;

    public TenantQuotas(JdbcClient jdbc, QuotaDefaults defaults, Clock clock) {
        this.jdbc = jdbc;
        this.defaults = defaults;
        this.clock = clock;
    }

    /** The tenant's own quota, or the defaults when it has none. */
    public TenantQuota effective(String tenant) {
        return find(tenant).orElseGet(() -> defaults.quotaOf(tenant));
    }

    /** The effective quotas of {@code tenants}, by tenant. */
    public Map<String, TenantQuota> effective(Collection<String> tenants) {
        var quotas = new HashMap<String, TenantQuota>();
        if (!tenants.isEmpty()) {
            jdbc.sql("select " + COLUMNS + " from tenant_quotas where tenant = any(?)")
                    .param(tenants.toArray(String[]::new))
                    .query(TenantQuotas::map)
                    .list()
                    .forEach(q -> quotas.put(q.tenant(), q));
        }
        for (var tenant : tenants) {
            quotas.computeIfAbsent(tenant, defaults::quotaOf);
        }
        return quotas;
    }

    public Optional<TenantQuota> find(String tenant) {
        return jdbc.sql("select " + COLUMNS + " from tenant_quotas where tenant = ?")
                .param(tenant)
                .query(TenantQuotas::map)
                .optional();
    }

    /** Every stored quota, by tenant. */
    public List<TenantQuota> all() {
        return jdbc.sql("select " + COLUMNS + " from tenant_quotas order by tenant")
                .query(TenantQuotas::map)
                .list();
    }

    /**
     * Stores the quota, replacing the tenant's previous one. The tenant's {@link QueueBounds queue bound} goes with
     * it, in the same statement: submissions without a cap do not keep it, so the next one counts afresh.
     */
    public void put(TenantQuota quota) {
        jdbc.sql("""
                with forgotten as (delete from tenant_queue_bounds where tenant = ?)
                insert into tenant_quotas (tenant, max_running_shards, max_queued_jobs, weight, max_storage_bytes,
                  updated_at)
                values (?, ?, ?, ?, ?, ?)
                on conflict (tenant) do update set max_running_shards = excluded.max_running_shards,
                  max_queued_jobs = excluded.max_queued_jobs, weight = excluded.weight,
                  max_storage_bytes = excluded.max_storage_bytes, updated_at = excluded.updated_at""")
                .params(SqlArgs.of(
                        quota.tenant(),
                        quota.tenant(),
                        quota.maxRunningShards(),
                        quota.maxQueuedJobs(),
                        quota.weight(),
                        quota.maxStorageBytes(),
                        Timestamp.from(clock.instant())))
                .update();
    }

    /**
     * Removes the tenant's own quota, so that the defaults apply again; false when it had none. Its queue bound goes
     * with it, as in {@link #put}.
     */
    public boolean delete(String tenant) {
        return jdbc.sql("""
                        with forgotten as (delete from tenant_queue_bounds where tenant = ?)
                        delete from tenant_quotas where tenant = ?""").params(tenant, tenant).update() > 0;
    }

    private static TenantQuota map(ResultSet rs, int row) throws SQLException {
        return new TenantQuota(
                rs.getString("tenant"),
                rs.getObject("max_running_shards", Integer.class),
                rs.getObject("max_queued_jobs", Integer.class),
                rs.getDouble("weight"),
                rs.getObject("max_storage_bytes", Long.class));
    }
}
