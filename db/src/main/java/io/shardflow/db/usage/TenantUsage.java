package io.shardflow.db.usage;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The bytes a tenant stores: its datasets (float32 columns, or the bytes of a text), its models' parameters
 * (unready ones included, so a registration in progress counts), and its jobs' results (a stored value, or the
 * partials of the round that is the result). Summed from the rows on each call, through the tenant indexes, rather
 * than kept in a counter that every writer would have to keep right.
 */
public class TenantUsage {
    private final JdbcClient jdbc;

    public TenantUsage(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public long bytes(String tenant) {
        // octet_length of a bytea reads its stored length without fetching the value
        return jdbc.sql("""
                        select
                          (select coalesce(sum(case when format = 'text' then row_count
                                                    else row_count * jsonb_array_length(columns) * 4 end), 0)
                             from datasets where tenant = :tenant)
                          + (select coalesce(sum(parameter_bytes), 0) from models where tenant = :tenant)
                          + (select coalesce(sum(octet_length(r.data)), 0)
                               from job_results r join jobs j on j.id = r.job_id where j.tenant = :tenant)
                          + (select coalesce(sum(octet_length(p.data)), 0)
                               from job_results r join jobs j on j.id = r.job_id
                               join partials p on p.job_id = r.job_id and p.step = r.parts_step
                                              and p.stage = r.parts_stage
                              where j.tenant = :tenant)
                        """).param("tenant", tenant).query(Long.class).single();
    }
}
