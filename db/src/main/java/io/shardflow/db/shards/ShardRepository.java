package io.shardflow.db.shards;

import static io.shardflow.core.shards.ShardStatus.DISPATCHED;
import static io.shardflow.core.shards.ShardStatus.DONE;
import static io.shardflow.core.shards.ShardStatus.FAILED;
import static io.shardflow.core.shards.ShardStatus.PENDING;
import static io.shardflow.core.shards.ShardStatus.RUNNING;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.Transitions;
import io.shardflow.core.shards.ShardFailure;
import io.shardflow.core.shards.ShardStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Shards in PostgreSQL. Each write checks the status it expects, as {@link ShardStatus} allows, and the attempt it
 * acts for: the attempt number fences a stale task (one superseded after its lease expired), which can never
 * overwrite a newer attempt's work.
 */
public class ShardRepository {
    private static final String COLUMNS =
            "job_id, step, stage, shard_index, status, row_start, row_end, attempt, max_attempts, worker_id, "
                    + "lane_slot, lease_until, error, failure";
    private static final String KEY = "job_id = :job and step = :step and stage = :stage and shard_index = :index";
    /** A lease holds while a shard waits for a worker or runs on one; when it lapses the shard goes back. */
    private static final String LEASED = Transitions.in("status", ShardStatus.sourcesOf(PENDING));

    private final JdbcClient jdbc;
    private final JdbcTemplate template;
    private final Clock clock;

    public ShardRepository(JdbcClient jdbc, JdbcTemplate template, Clock clock) {
        this.jdbc = jdbc;
        this.template = template;
        this.clock = clock;
    }

    /** The time a write stamps, from the injected clock rather than the database's, so tests can move it. */
    private Timestamp now() {
        return Timestamp.from(clock.instant());
    }

    /**
     * Queues new shards as PENDING, waiting for admission, unless they exist: a round started twice starts once.
     * Returns how many were queued now.
     */
    public int insertPending(List<NewShard> shards) {
        var queuedAt = now();
        int[][] counts = template.batchUpdate("""
                insert into shards (job_id, step, stage, shard_index, status, row_start, row_end, attempt, max_attempts,
                  need_bytes, takes_lane, queued_at)
                values (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?) on conflict do nothing""", shards, 500, (ps, s) -> {
            ps.setObject(1, s.key().jobId());
            ps.setInt(2, s.key().step());
            ps.setInt(3, s.key().stage());
            ps.setInt(4, s.key().shardIndex());
            ps.setString(5, PENDING.name());
            ps.setLong(6, s.rowStart());
            ps.setLong(7, s.rowEnd());
            ps.setInt(8, s.maxAttempts());
            ps.setLong(9, s.needBytes());
            ps.setBoolean(10, s.takesLane());
            ps.setTimestamp(11, queuedAt);
        });
        int queued = 0;
        for (int[] batch : counts) {
            for (int count : batch) {
                queued += Math.max(count, 0);
            }
        }
        return queued;
    }

    /**
     * PENDING → DISPATCHED to lane {@code slot} of {@code workerId}, if this attempt still waits and no other
     * transaction holds its row (then it stays for the next admission pass, rather than admission waiting on a lock
     * a job's coordinator holds). Returns the shard as dispatched.
     */
    public Optional<ShardRow> assign(ShardKey key, int attempt, String workerId, int slot, Instant leaseUntil) {
        return withKey(
                        jdbc.sql("update shards set status = :to, worker_id = :worker, lane_slot = :slot, "
                                + "lease_until = :lease, dispatched_at = :now, version = version + 1 where (job_id, "
                                + "step, stage, shard_index) = (select job_id, step, stage, shard_index from shards "
                                + "where " + KEY + " and attempt = :attempt and status = :pending "
                                + "for update skip locked) returning " + COLUMNS),
                        key)
                .param("to", PENDING.moveTo(DISPATCHED).name())
                .param("worker", workerId)
                .param("slot", slot)
                .param("lease", Timestamp.from(leaseUntil))
                .param("now", now())
                .param("attempt", attempt)
                .param("pending", PENDING.name())
                .query(ShardRepository::map)
                .optional();
    }

    /**
     * Extends the leases of the shards dispatched to {@code workerId}'s lanes on {@code slots} that they have not
     * started yet: they wait in those slots' partitions, which the live lanes read. A shard dispatched to a slot the
     * worker no longer holds is not extended, and is queued again when its lease runs out.
     */
    public int extendDispatched(String workerId, Collection<Integer> slots, Instant leaseUntil) {
        if (slots.isEmpty()) {
            return 0;
        }
        return jdbc.sql("update shards set lease_until = ? where worker_id = ? and status = ? and lane_slot = any(?) "
                        + "and lease_until < ?")
                .params(
                        Timestamp.from(leaseUntil),
                        workerId,
                        DISPATCHED.name(),
                        slots.toArray(Integer[]::new),
                        Timestamp.from(leaseUntil))
                .update();
    }

    /**
     * DISPATCHED → PENDING for the shards dispatched to {@code workerId} and not started: a stopping worker gives
     * them back to the queue with their attempts unused. Returns how many.
     */
    public int returnUnstarted(String workerId) {
        return jdbc.sql(
                        "update shards set status = ?, worker_id = null, lane_slot = null, lease_until = null, "
                                + "dispatched_at = null, queued_at = ?, version = version + 1 where worker_id = ? and status = ?")
                .params(DISPATCHED.moveTo(PENDING).name(), now(), workerId, DISPATCHED.name())
                .update();
    }

    /** How many of the shards {@code [fromIndex, toIndex)} of a round are DONE. */
    public int countDone(UUID jobId, int step, int stage, int fromIndex, int toIndex) {
        return jdbc.sql("select count(*) from shards where job_id = ? and step = ? and stage = ? and shard_index >= ? "
                        + "and shard_index < ? and status = ?")
                .params(jobId, step, stage, fromIndex, toIndex, DONE.name())
                .query(Integer.class)
                .single();
    }

    public int countDone(UUID jobId) {
        return jdbc.sql("select count(*) from shards where job_id = ? and status = ?")
                .params(jobId, DONE.name())
                .query(Integer.class)
                .single();
    }

    /**
     * DISPATCHED → RUNNING for this attempt on {@code workerId}, the worker it was dispatched to; false when the
     * attempt is stale, done, went to another worker, or its job has ended (one statement for all of it: a lane
     * asks it once per task).
     */
    public boolean start(ShardKey key, int attempt, String workerId, Instant leaseUntil) {
        return withKey(
                                jdbc.sql("update shards set status = :to, lease_until = :lease, "
                                        + "started_at = :now, version = version + 1 where " + KEY
                                        + " and attempt = :attempt and worker_id = :worker and "
                                        + Transitions.in("status", ShardStatus.sourcesOf(RUNNING))
                                        + " and exists (select 1 from jobs where id = :job and "
                                        + Transitions.in("status", JobStatus.unfinished()) + ")"),
                                key)
                        .param("to", RUNNING.name())
                        .param("now", now())
                        .param("worker", workerId)
                        .param("lease", Timestamp.from(leaseUntil))
                        .param("attempt", attempt)
                        .update()
                == 1;
    }

    /** RUNNING → DONE for this attempt; false when the attempt lost its lease meanwhile. */
    public boolean complete(ShardKey key, int attempt) {
        return withKey(
                                jdbc.sql("update shards set status = :to, lease_until = null, finished_at = :now, "
                                        + "version = version + 1 where " + KEY + " and attempt = :attempt and "
                                        + Transitions.in("status", ShardStatus.sourcesOf(DONE))),
                                key)
                        .param("to", DONE.name())
                        .param("now", now())
                        .param("attempt", attempt)
                        .update()
                == 1;
    }

    /**
     * Splits a running attempt that yielded its lane at row {@code at}: the shard keeps rows {@code [rowStart, at)}
     * (the caller completes it with their partial), and its rows {@code [at, rowEnd)} become a new PENDING shard of
     * the same round, with the next free index and the shard's place in the queue, attempts and needs. Call in a
     * transaction holding the job's lock (indexes are taken one split at a time). Returns the new shard's key, or
     * empty when the attempt is no longer current.
     */
    public Optional<ShardKey> split(ShardKey key, int attempt, long at) {
        return withKey(jdbc.sql("""
                                with old as (
                                  select row_end, max_attempts, need_bytes, takes_lane, queued_at from shards
                                  where %1$s and attempt = :attempt and status = :running and row_start < :at
                                    and :at < row_end
                                  for update),
                                cut as (
                                  update shards set row_end = :at, version = version + 1
                                  where %1$s and exists (select 1 from old))
                                insert into shards (job_id, step, stage, shard_index, status, row_start, row_end,
                                  attempt, max_attempts, need_bytes, takes_lane, queued_at)
                                select :job, :step, :stage,
                                  (select max(shard_index) + 1 from shards
                                    where job_id = :job and step = :step and stage = :stage),
                                  :pending, :at, old.row_end, 1, old.max_attempts, old.need_bytes, old.takes_lane,
                                  old.queued_at
                                from old
                                returning job_id, step, stage, shard_index""".formatted(KEY)), key)
                .param("attempt", attempt)
                .param("running", RUNNING.name())
                .param("pending", PENDING.name())
                .param("at", at)
                .query((rs, n) -> key(rs))
                .optional();
    }

    /**
     * Gives the shard another attempt if {@code attempt} is still current and holds a lease: back to PENDING, queued
     * for admission again, with the attempt counted. An attempt its worker
     * {@linkplain ShardFailure#HANDED_BACK handed back} raises {@code max_attempts} with it, so it uses none up.
     * Returns the shard as queued again.
     */
    public Optional<ShardRow> requeue(ShardKey key, int attempt, String reason, ShardFailure failure) {
        return requeue(key, attempt, reason, failure, null);
    }

    /** As {@link #requeue(ShardKey, int, String, ShardFailure)}, keeping where the attempt's failure was thrown. */
    public Optional<ShardRow> requeue(
            ShardKey key, int attempt, String reason, ShardFailure failure, @Nullable String stackTrace) {
        return withKey(
                        jdbc.sql("update shards set status = :to, attempt = attempt + 1, "
                                + "max_attempts = max_attempts + :granted, worker_id = null, lane_slot = null, "
                                + "lease_until = null, dispatched_at = null, started_at = null, queued_at = :now, "
                                + "error = :reason, error_trace = :trace, failure = :failure, version = version + 1 "
                                + "where " + KEY + " and attempt = :attempt and " + LEASED + " returning " + COLUMNS),
                        key)
                .param("to", PENDING.name())
                .param("now", now())
                .param("reason", reason)
                .param("trace", stackTrace)
                .param("failure", failure.name())
                .param("granted", failure == ShardFailure.HANDED_BACK ? 1 : 0)
                .param("attempt", attempt)
                .query(ShardRepository::map)
                .optional();
    }

    /** Marks this attempt FAILED with its reason, if it is still current and unfinished. */
    public boolean fail(ShardKey key, int attempt, String error, ShardFailure failure) {
        return fail(key, attempt, error, failure, null);
    }

    /** As {@link #fail(ShardKey, int, String, ShardFailure)}, keeping where the failure was thrown. */
    public boolean fail(ShardKey key, int attempt, String error, ShardFailure failure, @Nullable String stackTrace) {
        return withKey(
                                jdbc.sql("update shards set status = :to, error = :error, error_trace = :trace, "
                                        + "failure = :failure, "
                                        + "lease_until = null, finished_at = :now, version = version + 1 where " + KEY
                                        + " and attempt = :attempt and "
                                        + Transitions.in("status", ShardStatus.sourcesOf(FAILED))),
                                key)
                        .param("to", FAILED.name())
                        .param("now", now())
                        .param("error", error)
                        .param("trace", stackTrace)
                        .param("failure", failure.name())
                        .param("attempt", attempt)
                        .update()
                == 1;
    }

    /** Ends every unfinished shard of a job that was cancelled or failed, so none of them runs or is re-dispatched. */
    public int abandonUnfinished(UUID jobId, String reason) {
        return jdbc.sql("update shards set status = ?, error = ?, failure = ?, lease_until = null, finished_at = ?, "
                        + "version = version + 1 where job_id = ? and "
                        + Transitions.in("status", ShardStatus.sourcesOf(FAILED)))
                .params(FAILED.name(), reason, ShardFailure.JOB_ENDED.name(), now(), jobId)
                .update();
    }

    /** Extends the lease of a shard attempt that a live worker is computing right now. */
    public boolean extendLease(ShardKey key, int attempt, String workerId, Instant leaseUntil) {
        return withKey(
                                jdbc.sql("update shards set lease_until = :lease where " + KEY
                                        + " and attempt = :attempt and worker_id = :worker and status = :running"),
                                key)
                        .param("lease", Timestamp.from(leaseUntil))
                        .param("attempt", attempt)
                        .param("worker", workerId)
                        .param("running", RUNNING.name())
                        .update()
                == 1;
    }

    /**
     * Keys of unfinished shards whose lease ran out before {@code now}, oldest first. Not locked: the caller takes
     * each one's job lock and checks again before acting, so sweepers in several processes may look at once.
     */
    public List<ShardRow> expired(Instant now, int limit) {
        return jdbc.sql("select " + COLUMNS + " from shards where " + LEASED
                        + " and lease_until < ? order by lease_until limit ?")
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

    /** The job's DONE shards, in key order: what a job resumed after lost notices re-drives. */
    public List<ShardKey> done(UUID jobId) {
        return jdbc.sql("select job_id, step, stage, shard_index from shards where job_id = ? and status = ? "
                        + "order by step, stage, shard_index")
                .params(jobId, DONE.name())
                .query((rs, n) -> key(rs))
                .list();
    }

    public Optional<ShardRow> find(ShardKey key) {
        return withKey(jdbc.sql("select " + COLUMNS + " from shards where " + KEY), key)
                .query(ShardRepository::map)
                .optional();
    }

    /** Counts of a round's shards: how many, and how many are DONE. */
    public RoundCount countRound(UUID jobId, int step, int stage) {
        return jdbc.sql("select count(*) as total, count(*) filter (where status = ?) as done from shards "
                        + "where job_id = ? and step = ? and stage = ?")
                .params(DONE.name(), jobId, step, stage)
                .query((rs, n) -> new RoundCount(rs.getInt("total"), rs.getInt("done")))
                .single();
    }

    /**
     * {@link #countRound} of a round that is the job's latest (by step, then stage), in one read; empty when the job
     * has a later round, or no such round.
     */
    public Optional<RoundCount> countRoundIfLatest(UUID jobId, int step, int stage) {
        return jdbc.sql("""
                        select count(*) as total, count(*) filter (where status = ?) as done from shards
                        where job_id = ? and step = ? and stage = ?
                        having count(*) > 0 and not exists (
                            select 1 from shards later where later.job_id = ? and (later.step, later.stage) > (?, ?))""")
                .params(DONE.name(), jobId, step, stage, jobId, step, stage)
                .query((rs, n) -> new RoundCount(rs.getInt("total"), rs.getInt("done")))
                .optional();
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
            ShardStatus status,
            @Nullable String workerId,
            int attempt,
            @Nullable Long millis,
            @Nullable String error,
            @Nullable ShardFailure failure,
            @Nullable String errorTrace) {}

    public List<Cell> cells(UUID jobId) {
        return jdbc.sql("select step, stage, shard_index, status, worker_id, attempt, "
                        + "(extract(epoch from coalesce(finished_at, ?) - started_at) * 1000)::bigint, error, "
                        + "failure, error_trace from shards where job_id = ? order by step, stage, shard_index")
                .params(now(), jobId)
                .query((rs, n) -> new Cell(
                        rs.getInt(1),
                        rs.getInt(2),
                        rs.getInt(3),
                        ShardStatus.valueOf(rs.getString(4)),
                        rs.getString(5),
                        rs.getInt(6),
                        rs.getObject(7, Long.class),
                        rs.getString(8),
                        failure(rs.getString(9)),
                        rs.getString(10)))
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

    private static ShardKey key(ResultSet rs) throws SQLException {
        return new ShardKey(
                rs.getObject("job_id", UUID.class), rs.getInt("step"), rs.getInt("stage"), rs.getInt("shard_index"));
    }

    private static @Nullable ShardFailure failure(@Nullable String failure) {
        return failure == null ? null : ShardFailure.valueOf(failure);
    }

    private static ShardRow map(ResultSet rs, int row) throws SQLException {
        var lease = rs.getTimestamp("lease_until");
        return new ShardRow(
                key(rs),
                ShardStatus.valueOf(rs.getString("status")),
                rs.getLong("row_start"),
                rs.getLong("row_end"),
                rs.getInt("attempt"),
                rs.getInt("max_attempts"),
                rs.getString("worker_id"),
                rs.getObject("lane_slot", Integer.class),
                lease == null ? null : lease.toInstant(),
                rs.getString("error"),
                failure(rs.getString("failure")));
    }
}
