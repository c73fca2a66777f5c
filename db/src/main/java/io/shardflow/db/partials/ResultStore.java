package io.shardflow.db.partials;

import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.db.jdbc.BinaryReads;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A finished job's output: one stored value, or the partials of its final round, which are the result's rows in
 * shard order (a data-parallel inference), joined when read.
 */
public class ResultStore {
    private final JdbcClient jdbc;
    private final JdbcTemplate template;
    private final PartialStore partials;

    public ResultStore(JdbcClient jdbc, JdbcTemplate template, PartialStore partials) {
        this.jdbc = jdbc;
        this.template = template;
        this.partials = partials;
    }

    public void put(UUID jobId, byte[] tensor) {
        jdbc.sql("insert into job_results (job_id, data) values (?, ?) on conflict (job_id) "
                        + "do update set data = excluded.data, parts_step = null, parts_stage = null")
                .params(jobId, tensor)
                .update();
    }

    /** Makes the round's partials, kept as they are, the job's result: matrices joined along rows when read. */
    public void putRound(UUID jobId, int step, int stage) {
        jdbc.sql(
                        "insert into job_results (job_id, parts_step, parts_stage) values (?, ?, ?) on conflict (job_id) "
                                + "do update set data = null, parts_step = excluded.parts_step, parts_stage = excluded.parts_stage")
                .params(jobId, step, stage)
                .update();
    }

    public Optional<byte[]> find(UUID jobId) {
        record Stored(byte[] data, int step, int stage) {}
        return BinaryReads.first(
                        template,
                        "select data, parts_step, parts_stage from job_results where job_id = ?",
                        (rs, n) -> new Stored(rs.getBytes(1), rs.getInt(2), rs.getInt(3)),
                        jobId)
                .map(stored -> stored.data() != null
                        ? stored.data()
                        : TensorCodec.concatEncodedRows(partials.readRound(jobId, stored.step(), stored.stage())));
    }
}
