package io.shardflow.db.training;

import io.shardflow.db.jdbc.BinaryReads;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The state of a model-parallel training job as pieces: each piece's values and optimiser state per parameter
 * version, checkpoints of every N-th version, and the gradients a step's backward tasks computed for each piece.
 * A lane reads only the pieces its part or its update group needs.
 */
public class PieceStore {
    private final JdbcClient jdbc;
    private final JdbcTemplate template;

    public PieceStore(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    /** A piece's values (a tensor) and its optimiser's state (a bundle), encoded. */
    public record PieceState(byte[] data, byte[] optimizer) {}

    /** Stores pieces of {@code version}, over an earlier attempt's (which computed the same values). */
    public void put(UUID jobId, int version, Map<String, PieceState> pieces) {
        var args = new ArrayList<Object[]>();
        pieces.forEach(
                (piece, state) -> args.add(new Object[] {jobId, version, piece, state.data(), state.optimizer()}));
        template.batchUpdate(
                "insert into job_parameter_pieces (job_id, version, piece, data, optimizer) values (?, ?, ?, ?, ?) "
                        + "on conflict (job_id, version, piece) do update "
                        + "set data = excluded.data, optimizer = excluded.optimizer",
                args);
    }

    /** The values of {@code pieces} at {@code version}, by piece; a piece not stored is missing from the map. */
    public Map<String, byte[]> data(UUID jobId, int version, Collection<String> pieces) {
        var found = new HashMap<String, byte[]>();
        BinaryReads.query(
                template,
                "select piece, data from job_parameter_pieces where job_id = ? and version = ? and piece = any(?)",
                rs -> {
                    found.put(rs.getString(1), rs.getBytes(2));
                },
                jobId,
                version,
                pieces.toArray(String[]::new));
        return found;
    }

    /** The values and optimiser state of {@code pieces} at {@code version}, by piece. */
    public Map<String, PieceState> states(UUID jobId, int version, Collection<String> pieces) {
        var found = new HashMap<String, PieceState>();
        BinaryReads.query(
                template,
                "select piece, data, optimizer from job_parameter_pieces "
                        + "where job_id = ? and version = ? and piece = any(?)",
                rs -> {
                    found.put(rs.getString(1), new PieceState(rs.getBytes(2), rs.getBytes(3)));
                },
                jobId,
                version,
                pieces.toArray(String[]::new));
        return found;
    }

    /** How many pieces of {@code version} are stored. */
    public int count(UUID jobId, int version) {
        return jdbc.sql("select count(*) from job_parameter_pieces where job_id = ? and version = ?")
                .params(jobId, version)
                .query(Integer.class)
                .single();
    }

    /** Keeps only the versions from {@code version} on. */
    public void dropBefore(UUID jobId, int version) {
        jdbc.sql("delete from job_parameter_pieces where job_id = ? and version < ?")
                .params(jobId, version)
                .update();
    }

    /** Copies every piece of version {@code step} into its checkpoint, in the database. */
    public void checkpoint(UUID jobId, int step) {
        jdbc.sql("insert into job_checkpoint_pieces (job_id, step, piece, data, optimizer) "
                        + "select job_id, version, piece, data, optimizer from job_parameter_pieces "
                        + "where job_id = ? and version = ? "
                        + "on conflict (job_id, step, piece) do update "
                        + "set data = excluded.data, optimizer = excluded.optimizer")
                .params(jobId, step)
                .update();
    }

    /** The step of the job's latest checkpoint. */
    public OptionalInt latestCheckpoint(UUID jobId) {
        return jdbc.sql("select max(step) from job_checkpoint_pieces where job_id = ?")
                .param(jobId)
                .query((rs, n) -> {
                    int step = rs.getInt(1);
                    return rs.wasNull() ? OptionalInt.empty() : OptionalInt.of(step);
                })
                .single();
    }

    /**
     * Makes the checkpoint at {@code step} version {@code step} again, and forgets every later version and every
     * gradient from that step on: the job replays from there.
     */
    public void restore(UUID jobId, int step) {
        jdbc.sql("delete from job_parameter_pieces where job_id = ? and version >= ?")
                .params(jobId, step)
                .update();
        jdbc.sql("insert into job_parameter_pieces (job_id, version, piece, data, optimizer) "
                        + "select job_id, step, piece, data, optimizer from job_checkpoint_pieces "
                        + "where job_id = ? and step = ?")
                .params(jobId, step)
                .update();
        jdbc.sql("delete from job_gradients where job_id = ? and step >= ?")
                .params(jobId, step)
                .update();
    }

    /** Stores the gradients one backward task computed for its pieces, over an earlier attempt's. */
    public void putGradients(UUID jobId, int step, int stage, int shardIndex, Map<String, byte[]> gradients) {
        var args = new ArrayList<Object[]>();
        gradients.forEach((piece, data) -> args.add(new Object[] {jobId, step, stage, shardIndex, piece, data}));
        template.batchUpdate(
                "insert into job_gradients (job_id, step, stage, shard_index, piece, data) values (?, ?, ?, ?, ?, ?) "
                        + "on conflict (job_id, step, piece, stage, shard_index) do update set data = excluded.data",
                args);
    }

    /** A gradient of one piece, from one task. */
    public record Gradient(String piece, byte[] data) {}

    /** Every gradient of step {@code step} for {@code pieces}, in a fixed order (by piece, then task). */
    public List<Gradient> gradients(UUID jobId, int step, Collection<String> pieces) {
        return BinaryReads.list(
                template,
                "select piece, data from job_gradients where job_id = ? and step = ? and piece = any(?) "
                        + "order by piece, stage, shard_index",
                (rs, n) -> new Gradient(rs.getString(1), rs.getBytes(2)),
                jobId,
                step,
                pieces.toArray(String[]::new));
    }

    public void deleteGradients(UUID jobId, int step) {
        jdbc.sql("delete from job_gradients where job_id = ? and step = ?")
                .params(jobId, step)
                .update();
    }
}
