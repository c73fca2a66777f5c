package io.shardflow.db.shards;

import io.shardflow.core.shards.ShardStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Shards in PostgreSQL. Each write checks the status and attempt it expects, so a stale task (an attempt that
 * was superseded after its lease expired) can never overwrite a newer one.
 */
public class ShardRepository {
    private static final String COLUMNS = """
        job_id, step, stage, shard_index, status, row_start, row_end, attempt, max_attempts, worker_id, lease_until, error""";
    private static final String KEY = "job_id = :job and step = :step and stage = :stage and shard_index = :index";

    private final JdbcClient jdbc;
    private final JdbcTemplate template;

    public ShardRepository(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    /** Inserts new shards as PENDING. */
    public void insertPending(List<ShardRow> shards) {
        template.batchUpdate("""
                insert into shards (job_id, step, stage, shard_index, status, row_start, row_end, attempt, max_attempts)
                values (?, ?, ?, ?, 'PENDING', ?, ?, 1, ?)""", shards, 500, (ps, s) -> {
            ps.setObject(1, s.key().jobId());
            ps.setInt(2, s.key().step());
            ps.setInt(3, s.key().stage());
            ps.setInt(4, s.key().shardIndex());
            ps.setLong(5, s.rowStart());
            ps.setLong(6, s.rowEnd());
            ps.setInt(7, s.maxAttempts());
        });
    }

    /**
     * Inserts shards as PENDING unless they exist, then dispatches those it inserted: a round started twice (by two
     * notices racing) starts once. Returns the shards dispatched now.
     */
    public List<ShardRow> insertAndDispatch(List<ShardRow> shards, Instant leaseUntil) {
        var dispatched = new java.util.ArrayList<ShardRow>();
        for (var s : shards) {
            withKey(
                            jdbc.sql(
                                    "insert into shards (job_id, step, stage, shard_index, status, row_start, row_end, attempt, "
                                            + "max_attempts, lease_until, dispatched_at) values (:job, :step, :stage, :index, 'DISPATCHED', :start, "
                                            + ":end, 1, :max, :lease, now()) on conflict do nothing returning "
                                            + COLUMNS),
                            s.key())
                    .param("start", s.rowStart())
                    .param("end", s.rowEnd())
                    .param("max", s.maxAttempts())
                    .param("lease", Timestamp.from(leaseUntil))
                    .query(ShardRepository::map)
                    .optional()
                    .ifPresent(dispatched::add);
        }
        return dispatched;
    }

    /** How many of the shards {@code [fromIndex, toIndex)} of a round are DONE. */
    public int countDone(UUID jobId, int step, int stage, int fromIndex, int toIndex) {
        return jdbc.sql("select count(*) from shards where job_id = ? and step = ? and stage = ? and shard_index >= ? "
                        + "and shard_index < ? and status = 'DONE'")
                .params(jobId, step, stage, fromIndex, toIndex)
                .query(Integer.class)
                .single();
    }

    public int countDone(UUID jobId) {
        return jdbc.sql("select count(*) from shards where job_id = ? and status = 'DONE'")
                .param(jobId)
                .query(Integer.class)
                .single();
    }

    /** PENDING → DISPATCHED for every pending shard of the round; returns those dispatched. */
    public List<ShardRow> dispatchPending(UUID jobId, int step, int stage, Instant leaseUntil) {
        return jdbc
                .sql(
                        "update shards set status = 'DISPATCHED', lease_until = :lease, dispatched_at = now(), version = version + 1 "
                                + "where job_id = :job and step = :step and stage = :stage and status = 'PENDING' returning "
                                + COLUMNS)
                .param("lease", Timestamp.from(leaseUntil))
                .param("job", jobId)
                .param("step", step)
                .param("stage", stage)
                .query(ShardRepository::map)
                .list()
                .stream()
                .sorted(java.util.Comparator.comparingInt(s -> s.key().shardIndex()))
                .toList();
    }

    /** DISPATCHED → RUNNING on {@code workerId} for this attempt; false when the attempt is stale or done. */
    public boolean start(ShardKey key, int attempt, String workerId, Instant leaseUntil) {
        return withKey(
                                jdbc.sql(
                                        "update shards set status = 'RUNNING', worker_id = :worker, lease_until = :lease, "
                                                + "started_at = now(), version = version + 1 where " + KEY
                                                + " and attempt = :attempt and status = 'DISPATCHED'"),
                                key)
                        .param("worker", workerId)
                        .param("lease", Timestamp.from(leaseUntil))
                        .param("attempt", attempt)
                        .update()
                == 1;
    }

    /** RUNNING → DONE for this attempt; false when the attempt lost its lease meanwhile. */
    public boolean complete(ShardKey key, int attempt) {
        return withKey(
                                jdbc.sql("update shards set status = 'DONE', lease_until = null, finished_at = now(), "
                                        + "version = version + 1 where " + KEY
                                        + " and attempt = :attempt and status = 'RUNNING'"),
                                key)
                        .param("attempt", attempt)
                        .update()
                == 1;
    }

    /**
     * Gives the shard another attempt (back through PENDING to DISPATCHED) if {@code attempt} is still current and
     * unfinished. Returns the shard as re-dispatched.
     */
    public Optional<ShardRow> redispatch(ShardKey key, int attempt, String reason, Instant leaseUntil) {
        return withKey(
                        jdbc.sql("update shards set status = 'DISPATCHED', attempt = attempt + 1, worker_id = null, "
                                + "lease_until = :lease, dispatched_at = now(), started_at = null, error = :reason, version = version + 1 "
                                + "where " + KEY
                                + " and attempt = :attempt and status in ('DISPATCHED', 'RUNNING') returning "
                                + COLUMNS),
                        key)
                .param("lease", Timestamp.from(leaseUntil))
                .param("reason", reason)
                .param("attempt", attempt)
                .query(ShardRepository::map)
                .optional();
    }

    /** Marks this attempt FAILED with its reason, if it is still current and unfinished. */
    public boolean fail(ShardKey key, int attempt, String error) {
        return withKey(
                                jdbc.sql(
                                        "update shards set status = 'FAILED', error = :error, lease_until = null, finished_at = now(), "
                                                + "version = version + 1 where " + KEY
                                                + " and attempt = :attempt and status in ('PENDING', 'DISPATCHED', 'RUNNING')"),
                                key)
                        .param("error", error)
                        .param("attempt", attempt)
                        .update()
                == 1;
    }

    /** Ends every unfinished shard of a job that was cancelled or failed, so none of them runs or is re-dispatched. */
    public int abandonUnfinished(UUID jobId, String reason) {
        return jdbc.sql(
                        "update shards set status = 'FAILED', error = ?, lease_until = null, finished_at = now(), version = version + 1 "
                                + "where job_id = ? and status in ('PENDING', 'DISPATCHED', 'RUNNING')")
                .params(reason, jobId)
                .update();
    }

    /** Extends the lease of a shard attempt that a live worker is computing right now. */
    public boolean extendLease(ShardKey key, int attempt, String workerId, Instant leaseUntil) {
        return withKey(
                                jdbc.sql("update shards set lease_until = :lease where " + KEY
                                        + " and attempt = :attempt and worker_id = :worker and status = 'RUNNING'"),
                                key)
                        .param("lease", Timestamp.from(leaseUntil))
                        .param("attempt", attempt)
                        .param("worker", workerId)
                        .update()
                == 1;
    }

    /** Unfinished shards whose lease ran out, locked for this transaction; others skip them. */
    public List<ShardRow> lockExpired(Instant now, int limit) {
        return jdbc.sql("select " + COLUMNS
                        + " from shards where status in ('DISPATCHED', 'RUNNING') and lease_until < ? "
                        + "order by lease_until limit ? for update skip locked")
                .params(Timestamp.from(now), limit)
                .query(ShardRepository::map)
                .list();
    }

    public List<ShardRow> list(UUID jobId) {
        return jdbc.sql("select " + COLUMNS + " from shards where job_id = ? order by step, stage, shard_index")
                .param(jobId)
                .query(ShardRepository::map)
                .list();
    }

    public Optional<ShardRow> find(ShardKey key) {
        return withKey(jdbc.sql("select " + COLUMNS + " from shards where " + KEY), key)
                .query(ShardRepository::map)
                .optional();
    }

    /** Counts of a round's shards: how many, and how many are DONE. */
    public RoundCount countRound(UUID jobId, int step, int stage) {
        return jdbc.sql("select count(*) as total, count(*) filter (where status = 'DONE') as done from shards "
                        + "where job_id = ? and step = ? and stage = ?")
                .params(jobId, step, stage)
                .query((rs, n) -> new RoundCount(rs.getInt("total"), rs.getInt("done")))
                .single();
    }

    /** The job's most recent round, by step then stage. */
    public Optional<Round> latestRound(UUID jobId) {
        return jdbc.sql("select step, stage from shards where job_id = ? order by step desc, stage desc limit 1")
                .param(jobId)
                .query((rs, n) -> new Round(rs.getInt(1), rs.getInt(2)))
                .optional();
    }

    /** One shard as the dashboard draws it. */
    public record Cell(
            int step,
            int stage,
            int shardIndex,
            String status,
            String workerId,
            int attempt,
            Long millis,
            String error) {}

    public List<Cell> cells(UUID jobId) {
        return jdbc.sql("select step, stage, shard_index, status, worker_id, attempt, "
                        + "(extract(epoch from coalesce(finished_at, now()) - started_at) * 1000)::bigint, error "
                        + "from shards where job_id = ? order by step, stage, shard_index")
                .param(jobId)
                .query((rs, n) -> new Cell(
                        rs.getInt(1),
                        rs.getInt(2),
                        rs.getInt(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getInt(6),
                        rs.getObject(7, Long.class),
                        rs.getString(8)))
                .list();
    }

    public record Round(int step, int stage) {}

    public record RoundCount(int total, int done) {
        public boolean complete() {
            return total > 0 && done == total;
        }
    }

    private static JdbcClient.StatementSpec withKey(JdbcClient.StatementSpec spec, ShardKey key) {
        return spec.param("job", key.jobId())
                .param("step", key.step())
                .param("stage", key.stage())
                .param("index", key.shardIndex());
    }

    private static ShardRow map(ResultSet rs, int row) throws SQLException {
        var lease = rs.getTimestamp("lease_until");
        return new ShardRow(
                new ShardKey(
                        rs.getObject("job_id", UUID.class),
                        rs.getInt("step"),
                        rs.getInt("stage"),
                        rs.getInt("shard_index")),
                ShardStatus.valueOf(rs.getString("status")),
                rs.getLong("row_start"),
                rs.getLong("row_end"),
                rs.getInt("attempt"),
                rs.getInt("max_attempts"),
                rs.getString("worker_id"),
                lease == null ? null : lease.toInstant(),
                rs.getString("error"));
    }
}
