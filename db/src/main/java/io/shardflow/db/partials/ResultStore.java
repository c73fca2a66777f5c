package io.shardflow.db.partials;

import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/** A finished job's merged output as one binary tensor. */
public class ResultStore {
    private final JdbcClient jdbc;

    public ResultStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void put(UUID jobId, byte[] tensor) {
        jdbc.sql("insert into job_results (job_id, data) values (?, ?) on conflict (job_id) do update set data = excluded.data")
            .params(jobId, tensor).update();
    }

    public Optional<byte[]> find(UUID jobId) {
        return jdbc.sql("select data from job_results where job_id = ?").param(jobId).query((rs, n) -> rs.getBytes(1)).optional();
    }
}
