package io.shardflow.db.partials;

import io.shardflow.db.jdbc.BinaryReads;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Merged outputs of model-parallel rounds, one per data shard: the input of the next round. */
public class ActivationStore {
    private final JdbcClient jdbc;
    private final JdbcTemplate template;

    public ActivationStore(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    /** Stores the round's merged output; false when it was already stored (the merge ran before). */
    public boolean put(UUID jobId, int step, int stage, int dataShard, byte[] tensor) {
        return jdbc.sql("insert into job_activations (job_id, step, stage, data_shard, data) values (?, ?, ?, ?, ?) "
                                + "on conflict do nothing")
                        .params(jobId, step, stage, dataShard, tensor)
                        .update()
                == 1;
    }

    public Optional<byte[]> get(UUID jobId, int step, int stage, int dataShard) {
        return BinaryReads.first(
                template,
                "select data from job_activations where job_id = ? and step = ? and stage = ? " + "and data_shard = ?",
                (rs, n) -> rs.getBytes(1),
                jobId,
                step,
                stage,
                dataShard);
    }

    /** The outputs of one stage, ordered by data shard then step: the final round's, in row order. */
    public List<byte[]> ofStage(UUID jobId, int stage, int step) {
        return BinaryReads.list(
                template,
                "select data from job_activations where job_id = ? and stage = ? "
                        + "and (? < 0 or step = ?) order by data_shard, step",
                (rs, n) -> rs.getBytes(1),
                jobId,
                stage,
                step,
                step);
    }

    public void deleteStep(UUID jobId, int step) {
        jdbc.sql("delete from job_activations where job_id = ? and step = ?")
                .params(jobId, step)
                .update();
    }

    public void deleteAll(UUID jobId) {
        jdbc.sql("delete from job_activations where job_id = ?").param(jobId).update();
    }
}
