package io.shardflow.db.training;

import io.shardflow.db.jdbc.BinaryReads;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A training job's state as tensor bundles: parameter versions (version N is the model after N optimiser steps),
 * each with the optimiser state that produced it, so any scheduler process can take the next round from here;
 * and checkpoints every N steps.
 */
public class TrainingStore {
    private final JdbcClient jdbc;
    private final JdbcTemplate template;

    public TrainingStore(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    public record Checkpoint(int step, byte[] parameters, byte[] optimizer) {}

    /** Parameter version {@code version} and the optimiser state after it. */
    public record State(int version, byte[] parameters, byte[] optimizer) {}

    /**
     * Stores version {@code version} and returns its row's {@linkplain StampedParameters stamp}; empty when it exists
     * already (another process made it first, which the job lock rules out: the caller treats it as a lost race).
     */
    public OptionalLong putState(UUID jobId, int version, byte[] parameters, byte[] optimizer) {
        return jdbc.sql("insert into job_parameters (job_id, version, data, optimizer) values (?, ?, ?, ?) "
                        + "on conflict (job_id, version) do nothing returning xmin::text::bigint")
                .params(jobId, version, parameters, optimizer)
                .query(Long.class)
                .optional()
                .map(OptionalLong::of)
                .orElse(OptionalLong.empty());
    }

    /** Stores version {@code version} over whatever is there: the initial one, or a checkpoint resumed from. */
    public void replaceState(UUID jobId, int version, byte[] parameters, byte[] optimizer) {
        jdbc.sql(
                        "insert into job_parameters (job_id, version, data, optimizer) values (?, ?, ?, ?) "
                                + "on conflict (job_id, version) do update set data = excluded.data, optimizer = excluded.optimizer")
                .params(jobId, version, parameters, optimizer)
                .update();
    }

    /** Version {@code version} with its optimiser state; empty when it is gone or predates stored optimiser state. */
    public Optional<State> state(UUID jobId, int version) {
        return BinaryReads.first(
                template,
                "select data, optimizer from job_parameters where job_id = ? and version = ? and optimizer is not null",
                (rs, n) -> new State(version, rs.getBytes(1), rs.getBytes(2)),
                jobId,
                version);
    }

    /**
     * A parameter version as a reader that keeps one may ask for it: the row's stamp, which changes whenever the row is
     * written (its inserting transaction), and its bytes unless the stamp is still {@code known}.
     *
     * @param data null when the stamp is the one the reader knows: its copy is current
     */
    public record StampedParameters(long stamp, byte @Nullable [] data) {}

    /** No stamp a row has: reads the bytes whatever the row's stamp. */
    public static final long NO_STAMP = -1;

    /**
     * Version {@code version}, its bytes only when its row's stamp is not {@code known} (a version rewritten, as
     * when a job resumes from a checkpoint, has a new stamp); one round trip either way.
     */
    public Optional<StampedParameters> parametersUnless(UUID jobId, int version, long known) {
        return BinaryReads.first(
                template,
                "select xmin::text::bigint, case when xmin::text::bigint = ? then null else data end "
                        + "from job_parameters where job_id = ? and version = ?",
                (rs, n) -> new StampedParameters(rs.getLong(1), rs.getBytes(2)),
                known,
                jobId,
                version);
    }

    /**
     * Version {@code version} with its optimiser state as {@link #state} reads it, but its bytes only when its row's
     * stamp is not {@code known}; empty when it is gone or predates stored optimiser state.
     *
     * @param parameters null, as {@code optimizer}, when the stamp is the one the reader knows
     */
    public record StampedState(long stamp, byte @Nullable [] parameters, byte @Nullable [] optimizer) {}

    /** As {@link #state}, with the bytes only when the row's stamp is not {@code known}. */
    public Optional<StampedState> stateUnless(UUID jobId, int version, long known) {
        return BinaryReads.first(
                template,
                "select xmin::text::bigint, case when xmin::text::bigint = ? then null else data end, "
                        + "case when xmin::text::bigint = ? then null else optimizer end "
                        + "from job_parameters where job_id = ? and version = ? and optimizer is not null",
                (rs, n) -> new StampedState(rs.getLong(1), rs.getBytes(2), rs.getBytes(3)),
                known,
                known,
                jobId,
                version);
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
