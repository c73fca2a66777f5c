package io.shardflow.db.jobs;

import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.messaging.MessageCodec;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Jobs in PostgreSQL. Every status write is a compare-and-set on the current status: zero rows updated means
 * another actor got there first, and the caller re-reads rather than overwrites.
 */
public class JobRepository {
    private static final String COLUMNS = """
        id, tenant, type, status, priority, spec::text as spec, plan::text as plan, shards_total, shards_done, error,
        version, created_at, updated_at, started_at, finished_at, result_model_id, progress::text as progress,
        metrics::text as metrics, correlation_id""";

    private final JdbcClient jdbc;

    public JobRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Inserts a QUEUED job. With an idempotency key already used by the tenant, inserts nothing and returns
     * the first job's id instead.
     */
    public UUID insert(UUID id, String tenant, JobSpec spec, String idempotencyKey) {
        return insert(id, tenant, spec, idempotencyKey, null);
    }

    /** As {@link #insert(UUID, String, JobSpec, String)}, with the caller's correlation id for its events. */
    public UUID insert(UUID id, String tenant, JobSpec spec, String idempotencyKey, String correlationId) {
        var inserted = jdbc.sql("""
                insert into jobs (id, tenant, type, status, priority, spec, idempotency_key, correlation_id)
                values (:id, :tenant, :type, :status, :priority, cast(:spec as jsonb), :key, :correlation)
                on conflict (tenant, idempotency_key) where idempotency_key is not null do nothing
                returning id""")
                .param("id", id)
                .param("tenant", tenant)
                .param("type", spec.type().name())
                .param("status", JobStatus.QUEUED.name())
                .param("priority", spec.priority())
                .param("spec", new String(MessageCodec.encode(spec), java.nio.charset.StandardCharsets.UTF_8))
                .param("key", idempotencyKey)
                .param("correlation", correlationId)
                .query(UUID.class)
                .optional();
        return inserted.orElseGet(() -> jdbc.sql("select id from jobs where tenant = ? and idempotency_key = ?")
                .params(tenant, idempotencyKey)
                .query(UUID.class)
                .single());
    }

    public Optional<JobRow> find(UUID id) {
        return jdbc.sql("select " + COLUMNS + " from jobs where id = ?")
                .param(id)
                .query(JobRepository::map)
                .optional();
    }

    public List<JobRow> list(JobQuery q) {
        var args = new ArrayList<Object>();
        String where = where(q, args);
        args.add(q.size());
        args.add((long) q.page() * q.size());
        return jdbc.sql("select " + COLUMNS + " from jobs" + where + " order by created_at desc, id limit ? offset ?")
                .params(args)
                .query(JobRepository::map)
                .list();
    }

    public long count(JobQuery q) {
        var args = new ArrayList<Object>();
        return jdbc.sql("select count(*) from jobs" + where(q, args))
                .params(args)
                .query(Long.class)
                .single();
    }

    private static String where(JobQuery q, List<Object> args) {
        var where = new StringBuilder(" where true");
        if (q.tenant() != null) {
            where.append(" and tenant = ?");
            args.add(q.tenant());
        }
        if (q.status() != null) {
            where.append(" and status = ?");
            args.add(q.status().name());
        }
        if (q.type() != null) {
            where.append(" and type = ?");
            args.add(q.type().name());
        }
        if (q.search() != null) {
            where.append(" and (id::text like ? or tenant = ? or error ilike ?)");
            args.add(q.search().toLowerCase(java.util.Locale.ROOT) + "%");
            args.add(q.search());
            args.add("%" + q.search() + "%");
        }
        return where.toString();
    }

    /**
     * Moves the job from {@code from} to {@code to} if it is still in {@code from}. Entering RUNNING for the first
     * time stamps {@code started_at}; entering a terminal status stamps {@code finished_at}.
     */
    public boolean transition(UUID id, JobStatus from, JobStatus to) {
        from.moveTo(to);
        return jdbc.sql("""
                update jobs set status = :to, version = version + 1, updated_at = now(),
                  started_at = case when :to = 'RUNNING' then coalesce(started_at, now()) else started_at end,
                  finished_at = case when :terminal then now() else finished_at end
                where id = :id and status = :from""")
                        .param("to", to.name())
                        .param("terminal", to.isTerminal())
                        .param("id", id)
                        .param("from", from.name())
                        .update()
                == 1;
    }

    /** Ends an unfinished job with a reason; false when it had already ended. */
    public boolean finishUnlessTerminal(UUID id, JobStatus terminal, String error) {
        if (!terminal.isTerminal()) {
            throw new IllegalArgumentException(terminal + " is not terminal");
        }
        return jdbc.sql("""
                update jobs set status = :to, error = :error, version = version + 1, updated_at = now(), finished_at = now()
                where id = :id and status in ('QUEUED', 'PLANNING', 'RUNNING', 'AGGREGATING')""")
                        .param("to", terminal.name())
                        .param("error", error)
                        .param("id", id)
                        .update()
                == 1;
    }

    public void recordPlan(UUID id, String planJson, int shardsTotal) {
        jdbc.sql(
                        "update jobs set plan = cast(? as jsonb), shards_total = ?, shards_done = 0, updated_at = now() where id = ?")
                .params(planJson, shardsTotal, id)
                .update();
    }

    /** A training job's progress ({@code step}, {@code steps}, {@code epoch}, {@code epochs}) and latest metrics, as JSON. */
    public void recordTraining(UUID id, String progressJson, String metricsJson) {
        jdbc.sql("update jobs set progress = cast(? as jsonb), metrics = coalesce(cast(? as jsonb), metrics), "
                        + "updated_at = now() where id = ?")
                .params(progressJson, metricsJson, id)
                .update();
    }

    public void setPriority(UUID id, int priority) {
        jdbc.sql("update jobs set priority = ?, version = version + 1, updated_at = now() where id = ?")
                .params(priority, id)
                .update();
    }

    public void recordResultModel(UUID id, UUID modelId) {
        jdbc.sql("update jobs set result_model_id = ?, updated_at = now() where id = ?")
                .params(modelId, id)
                .update();
    }

    public void recordProgress(UUID id, int shardsDone) {
        jdbc.sql("update jobs set shards_done = greatest(shards_done, ?), updated_at = now() where id = ?")
                .params(shardsDone, id)
                .update();
    }

    /**
     * QUEUED jobs older than {@code age} whose request is no longer waiting in the outbox: their planning request
     * was published but never acted on (for example, it went to the dead-letter topic).
     */
    public List<UUID> queuedAndForgotten(java.time.Duration age, int limit) {
        return jdbc.sql("""
                select j.id from jobs j where j.status = 'QUEUED' and j.created_at < now() - make_interval(secs => ?)
                and not exists (select 1 from outbox o where o.topic = 'shardflow.jobs' and o.message_key = j.id::text)
                order by j.created_at limit ?""").params(age.toSeconds(), limit).query(UUID.class).list();
    }

    /** RUNNING jobs untouched for {@code age} whose every shard is DONE: their last completion notice was lost. */
    public List<UUID> runningWithAllShardsDone(java.time.Duration age, int limit) {
        return jdbc.sql("""
                select j.id from jobs j where j.status = 'RUNNING' and j.updated_at < now() - make_interval(secs => ?)
                and exists (select 1 from shards s where s.job_id = j.id)
                and not exists (select 1 from shards s where s.job_id = j.id and s.status <> 'DONE')
                order by j.updated_at limit ?""").params(age.toSeconds(), limit).query(UUID.class).list();
    }

    public Optional<JobStatus> status(UUID id) {
        return jdbc.sql("select status from jobs where id = ?")
                .param(id)
                .query(String.class)
                .optional()
                .map(JobStatus::valueOf);
    }

    /** Which of {@code ids} have ended (or are gone), in one query. */
    public java.util.Set<UUID> ended(java.util.Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return java.util.Set.of();
        }
        var running = new java.util.HashSet<UUID>(jdbc.sql("select id from jobs where id = any(?) and status not in "
                        + "('SUCCEEDED', 'FAILED', 'CANCELLED')")
                .param(ids.toArray(UUID[]::new))
                .query(UUID.class)
                .list());
        var ended = new java.util.HashSet<UUID>(ids);
        ended.removeAll(running);
        return ended;
    }

    private static JobRow map(ResultSet rs, int row) throws SQLException {
        return new JobRow(
                rs.getObject("id", UUID.class),
                rs.getString("tenant"),
                JobType.valueOf(rs.getString("type")),
                JobStatus.valueOf(rs.getString("status")),
                rs.getInt("priority"),
                MessageCodec.decode(rs.getBytes("spec"), JobSpec.class),
                rs.getString("plan"),
                rs.getInt("shards_total"),
                rs.getInt("shards_done"),
                rs.getString("error"),
                rs.getLong("version"),
                instant(rs.getTimestamp("created_at")),
                instant(rs.getTimestamp("updated_at")),
                instant(rs.getTimestamp("started_at")),
                instant(rs.getTimestamp("finished_at")),
                rs.getObject("result_model_id", UUID.class),
                rs.getString("progress"),
                rs.getString("metrics"),
                rs.getString("correlation_id"));
    }

    static Instant instant(Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }
}
