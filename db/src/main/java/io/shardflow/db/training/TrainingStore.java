package io.shardflow.db.training;

import io.shardflow.db.jdbc.BinaryReads;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Parameter versions and checkpoints of training jobs, as tensor bundles. */
public class TrainingStore {
    private final JdbcClient jdbc;
    private final JdbcTemplate template;

    public TrainingStore(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    public record Checkpoint(int step, byte[] parameters, byte[] optimizer) {}

    public void putParameters(UUID jobId, int version, byte[] bundle) {
        jdbc.sql("insert into job_parameters (job_id, version, data) values (?, ?, ?) "
                        + "on conflict (job_id, version) do update set data = excluded.data")
                .params(jobId, version, bundle)
                .update();
    }

    public Optional<byte[]> parameters(UUID jobId, int version) {
        return BinaryReads.first(
                template,
                "select data from job_parameters where job_id = ? and version = ?",
                (rs, n) -> rs.getBytes(1),
                jobId,
                version);
    }

    /** Keeps only the versions a round may still read. */
    public void dropParametersBefore(UUID jobId, int version) {
        jdbc.sql("delete from job_parameters where job_id = ? and version < ?")
                .params(jobId, version)
                .update();
    }

    public void checkpoint(UUID jobId, int step, byte[] parameters, byte[] optimizer) {
        jdbc.sql(
                        "insert into job_checkpoints (job_id, step, parameters, optimizer) values (?, ?, ?, ?) "
                                + "on conflict (job_id, step) do update set parameters = excluded.parameters, optimizer = excluded.optimizer")
                .params(jobId, step, parameters, optimizer)
                .update();
    }

    public Optional<Checkpoint> latestCheckpoint(UUID jobId) {
        return jdbc.sql(
                        "select step, parameters, optimizer from job_checkpoints where job_id = ? order by step desc limit 1")
                .param(jobId)
                .query((rs, n) -> new Checkpoint(rs.getInt(1), rs.getBytes(2), rs.getBytes(3)))
                .optional();
    }

    /** Forgets the pipeline activations of every step from {@code step} on. */
    public void rewindActivations(UUID jobId, int step) {
        jdbc.sql("delete from job_activations where job_id = ? and step >= ?")
                .params(jobId, step)
                .update();
    }

    /** Forgets every round from {@code step} on (shards, partials, parameter versions): the job replays them. */
    public void rewindTo(UUID jobId, int step) {
        jdbc.sql("delete from partials where job_id = ? and step >= ?")
                .params(jobId, step)
                .update();
        jdbc.sql("delete from shards where job_id = ? and step >= ?")
                .params(jobId, step)
                .update();
        jdbc.sql("delete from job_parameters where job_id = ? and version > ?")
                .params(jobId, step)
                .update();
        jdbc.sql("delete from job_metrics where job_id = ? and step >= ?")
                .params(jobId, step)
                .update();
    }
}
