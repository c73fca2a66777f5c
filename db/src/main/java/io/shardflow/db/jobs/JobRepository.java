package io.shardflow.db.jobs;

import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.jobs.Transitions;
import io.shardflow.core.messaging.Topics;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.planning.PlanDocument;
import io.shardflow.core.shards.ShardStatus;
import io.shardflow.core.training.TrainingMetrics;
import io.shardflow.core.training.TrainingProgress;
import io.shardflow.db.jdbc.CurrentTrace;
import io.shardflow.db.jdbc.JsonColumns;
import io.shardflow.db.jdbc.SqlArgs;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Jobs in PostgreSQL. Every status write is a compare-and-set on the current status, whose allowed sources come
 * from {@link JobStatus}: zero rows updated means another actor got there first, and the caller re-reads rather
 * than overwrites. Coordination of one job is serialised across scheduler processes by {@link #lock}.
 */
public class JobRepository {
    private static final String COLUMNS = """
        id, tenant, type, status, priority, spec::text as spec, plan::text as plan, shards_total, shards_done, error,
        version, created_at, updated_at, started_at, finished_at, result_model_id, progress::text as progress,
        metrics::text as metrics, correlation_id, trace_parent""";

    private final JdbcClient jdbc;
    private final Clock clock;
    private final CurrentTrace trace;

    public JobRepository(JdbcClient jdbc, Clock clock) {
        this(jdbc, clock, CurrentTrace.NONE);
    }

    /** Jobs inserted keep the trace they are accepted in ({@link JobRow#traceParent}). */
    public JobRepository(JdbcClient jdbc, Clock clock, CurrentTrace trace) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.trace = trace;
    }

    /** The time a write stamps, from the injected clock rather than the database's, so tests can move it. */
    private Timestamp now() {
        return Timestamp.from(clock.instant());
    }

    /**
     * Inserts a QUEUED job. With an idempotency key already used by the tenant, inserts nothing and returns
     * the first job's id instead.
     */
    public UUID insert(UUID id, String tenant, JobSpec spec, @Nullable String idempotencyKey) {
        return insert(id, tenant, spec, idempotencyKey, null);
    }

    /** As {@link #insert(UUID, String, JobSpec, String)}, with the caller's correlation id for its events. */
    public UUID insert(
            UUID id, String tenant, JobSpec spec, @Nullable String idempotencyKey, @Nullable String correlationId) {
        var inserted = jdbc.sql("""
                insert into jobs (id, tenant, type, status, priority, spec, idempotency_key, correlation_id, created_at,
                  updated_at, trace_parent)
                values (:id, :tenant, :type, :status, :priority, cast(:spec as jsonb), :key, :correlation, :now, :now,
                  :trace)
                on conflict (tenant, idempotency_key) where idempotency_key is not null do nothing
                returning id""")
                .param("id", id)
                .param("tenant", tenant)
                .param("type", spec.type().name())
                .param("status", JobStatus.QUEUED.name())
                .param("priority", spec.priority())
                .param("spec", JsonColumns.write(spec))
                .param("key", idempotencyKey)
                .param("now", now())
                .param("correlation", correlationId)
                .param("trace", trace.traceparent())
                .query(UUID.class)
                .optional();
        if (inserted.isPresent() || idempotencyKey == null) {
            return inserted.orElseThrow();
        }
        // the key was used: the first job under it is the answer
        return jdbc.sql("select id from jobs where tenant = ? and idempotency_key = ?")
                .params(tenant, idempotencyKey)
                .query((rs, n) -> rs.getObject(1, UUID.class))
                .single();
    }

    /**
     * Inserts QUEUED jobs in one statement. A job whose idempotency key its tenant already used (committed, or by a
     * transaction that commits meanwhile) is not inserted; nor is a second job of the batch under one key. Returns
     * the jobs as inserted, in the batch's order: the others the caller finds by key ({@link #findByKeys}).
     */
    public List<JobRow> insertAll(List<NewJob> batch) {
        if (batch.isEmpty()) {
            return List.of();
        }
        // stored to the microsecond: the rows returned equal what a read would give
        var now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        String current = trace.traceparent();
        int n = batch.size();
        var ids = new UUID[n];
        var tenants = new String[n];
        var types = new String[n];
        var priorities = new Integer[n];
        var specs = new String[n];
        @Nullable String[] keys = new @Nullable String[n];
        @Nullable String[] correlations = new @Nullable String[n];
        @Nullable String[] traces = new @Nullable String[n];
        for (int i = 0; i < n; i++) {
            var job = batch.get(i);
            ids[i] = job.id();
            tenants[i] = job.tenant();
            types[i] = job.spec().type().name();
            priorities[i] = job.spec().priority();
            specs[i] = JsonColumns.write(job.spec());
            keys[i] = job.idempotencyKey();
            correlations[i] = job.correlationId();
            traces[i] = job.traceParent() != null ? job.traceParent() : current;
        }
        var inserted = new HashSet<UUID>(jdbc.sql("""
                insert into jobs (id, tenant, type, status, priority, spec, idempotency_key, correlation_id, created_at,
                  updated_at, trace_parent)
                select t.id, t.tenant, t.type, ?, t.priority, cast(t.spec as jsonb), t.key, t.correlation, ?, ?, t.trace
                from unnest(?::uuid[], ?::text[], ?::text[], ?::int[], ?::text[], ?::text[], ?::text[], ?::text[])
                  as t(id, tenant, type, priority, spec, key, correlation, trace)
                on conflict (tenant, idempotency_key) where idempotency_key is not null do nothing
                returning id""")
                .params(SqlArgs.of(
                        JobStatus.QUEUED.name(),
                        Timestamp.from(now),
                        Timestamp.from(now),
                        ids,
                        tenants,
                        types,
                        priorities,
                        specs,
                        keys,
                        correlations,
                        traces))
                .query(UUID.class)
                .list());
        var rows = new ArrayList<JobRow>(inserted.size());
        for (var job : batch) {
            if (inserted.contains(job.id())) {
                rows.add(new JobRow(
                        job.id(),
                        job.tenant(),
                        job.spec().type(),
                        JobStatus.QUEUED,
                        job.spec().priority(),
                        job.spec(),
                        null,
                        0,
                        0,
                        null,
                        0,
                        now,
                        now,
                        null,
                        null,
                        null,
                        null,
                        null,
                        job.correlationId(),
                        job.traceParent() != null ? job.traceParent() : current));
            }
        }
        return rows;
    }

    /** The tenant's jobs made under any of {@code keys}, by key, in one query. */
    public Map<String, JobRow> findByKeys(String tenant, Collection<String> keys) {
        if (keys.isEmpty()) {
            return Map.of();
        }
        var found = new HashMap<String, JobRow>();
        jdbc.sql("select " + COLUMNS + ", idempotency_key from jobs where tenant = ? and idempotency_key = any(?)")
                .params(tenant, keys.toArray(String[]::new))
                .query((rs, n) -> Map.entry(rs.getString("idempotency_key"), map(rs, n)))
                .list()
                .forEach(e -> found.put(e.getKey(), e.getValue()));
        return found;
    }

    /**
     * Deletes up to {@code limit} jobs that ended before {@code before}, oldest first, with everything that is theirs
     * (shards, partials, results, timeline, training state: the foreign keys cascade); rows another process is
     * deleting are skipped. Returns how many went.
     */
    public int deleteEnded(Instant before, int limit) {
        return jdbc.sql("""
                        delete from jobs where id in (
                          select id from jobs where finished_at < ? order by finished_at limit ? for update skip locked)""").params(Timestamp.from(before), limit).update();
    }

    /** A job whose first shard has just begun to run: its type, and how long it waited for that since submitted. */
    public record FirstRun(JobType type, Duration waited) {}

    /**
     * Marks the job's first shard as running, once: the caller whose statement sets it gets the job's type and queue
     * wait (measured on this repository's clock, as the submission was); every later caller gets nothing. Run it on
     * its own, after the shard's claim committed: it takes the job's row lock, which must not be waited for while
     * holding a shard's.
     */
    public Optional<FirstRun> markFirstRunning(UUID id) {
        var now = clock.instant();
        return jdbc.sql("update jobs set first_running_at = :now where id = :id and first_running_at is null "
                        + "returning type, created_at")
                .param("now", Timestamp.from(now))
                .param("id", id)
                .query((rs, n) -> new FirstRun(
                        JobType.valueOf(rs.getString(1)),
                        Duration.between(rs.getTimestamp(2).toInstant(), now)))
                .optional();
    }

    /**
     * The job, locked until the caller's transaction ends: whoever coordinates a job (plans it, merges a round,
     * recovers a shard) holds this lock, so schedulers in several processes never act on one job at once, whatever
     * order its notices reach them in. Call in a transaction.
     */
    public Optional<JobRow> lock(UUID id) {
        return jdbc.sql("select " + COLUMNS + " from jobs where id = ? for update")
                .param(id)
                .query(JobRepository::map)
                .optional();
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
            args.add(q.search().toLowerCase(Locale.ROOT) + "%");
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
        return transitionStatement(id, from, to, "").update() == 1;
    }

    /** {@link #transition}, and the job as it is after it (for its event) in the same statement; empty if refused. */
    public Optional<JobRow> transitionAndRead(UUID id, JobStatus from, JobStatus to) {
        return transitionStatement(id, from, to, " returning " + COLUMNS)
                .query(JobRepository::map)
                .optional();
    }

    private JdbcClient.StatementSpec transitionStatement(UUID id, JobStatus from, JobStatus to, String returning) {
        from.moveTo(to);
        return jdbc.sql("""
                        update jobs set status = :to, version = version + 1, updated_at = :now,
                          started_at = case when :to = 'RUNNING' then coalesce(started_at, :now) else started_at end,
                          finished_at = case when :terminal then :now else finished_at end
                        where id = :id and status = :from""" + returning)
                .param("to", to.name())
                .param("terminal", to.isTerminal())
                .param("now", now())
                .param("id", id)
                .param("from", from.name());
    }

    /** Ends an unfinished job, with a reason or none (null); false when it had already ended. */
    public boolean finishUnlessTerminal(UUID id, JobStatus terminal, @Nullable String error) {
        if (!terminal.isTerminal()) {
            throw new IllegalArgumentException(terminal + " is not terminal");
        }
        return jdbc.sql("""
                update jobs set status = :to, error = :error, version = version + 1, updated_at = :now, finished_at = :now
                where id = :id""" + " and " + Transitions.in("status", JobStatus.sourcesOf(terminal)))
                        .param("to", terminal.name())
                        .param("error", error)
                        .param("now", now())
                        .param("id", id)
                        .update()
                == 1;
    }

    public void recordPlan(UUID id, Plan plan, int shardsTotal) {
        jdbc.sql(
                        "update jobs set plan = cast(? as jsonb), shards_total = ?, shards_done = 0, updated_at = ? where id = ?")
                .params(JsonColumns.write(plan.document()), shardsTotal, now(), id)
                .update();
    }

    /** Counts {@code more} shards in the job's total: a shard split in two when it yielded its lane part-way. */
    public void addShards(UUID id, int more) {
        jdbc.sql("update jobs set shards_total = shards_total + ?, updated_at = ? where id = ?")
                .params(more, now(), id)
                .update();
    }

    /** The job's shard total, when the job turned out to take fewer tasks than planned. */
    public void recordShardsTotal(UUID id, int shardsTotal) {
        jdbc.sql("update jobs set shards_total = ?, updated_at = ? where id = ?")
                .params(shardsTotal, now(), id)
                .update();
    }

    /** A training job's progress and latest metrics; null metrics keep those recorded. */
    public void recordTraining(UUID id, TrainingProgress progress, @Nullable TrainingMetrics metrics) {
        jdbc.sql("update jobs set progress = cast(? as jsonb), metrics = coalesce(cast(? as jsonb), metrics), "
                        + "updated_at = ? where id = ?")
                .params(SqlArgs.of(JsonColumns.write(progress), JsonColumns.writeOrNull(metrics), now(), id))
                .update();
    }

    public void setPriority(UUID id, int priority) {
        jdbc.sql("update jobs set priority = ?, version = version + 1, updated_at = ? where id = ?")
                .params(priority, now(), id)
                .update();
    }

    public void recordResultModel(UUID id, UUID modelId) {
        jdbc.sql("update jobs set result_model_id = ?, updated_at = ? where id = ?")
                .params(modelId, now(), id)
                .update();
    }

    public void recordProgress(UUID id, int shardsDone) {
        jdbc.sql("update jobs set shards_done = greatest(shards_done, ?), updated_at = ? where id = ?")
                .params(shardsDone, now(), id)
                .update();
    }

    /**
     * QUEUED jobs older than {@code age} whose request is no longer waiting in the outbox: their planning request
     * was published but never acted on (for example, it went to the dead-letter topic).
     */
    public List<UUID> queuedAndForgotten(Duration age, int limit) {
        return jdbc.sql("""
                select j.id from jobs j where j.status = :queued and j.created_at < :before
                and not exists (select 1 from outbox o where o.topic = :topic and o.message_key = j.id::text)
                order by j.created_at limit :limit""")
                .param("queued", JobStatus.QUEUED.name())
                .param("before", Timestamp.from(clock.instant().minus(age)))
                .param("topic", Topics.JOBS)
                .param("limit", limit)
                .query((rs, n) -> rs.getObject(1, UUID.class))
                .list();
    }

    /** RUNNING jobs untouched for {@code age} whose every shard is DONE: their last completion notice was lost. */
    public List<UUID> runningWithAllShardsDone(Duration age, int limit) {
        return jdbc.sql("""
                select j.id from jobs j where j.status = :running and j.updated_at < :before
                and exists (select 1 from shards s where s.job_id = j.id)
                and not exists (select 1 from shards s where s.job_id = j.id and s.status <> :done)
                order by j.updated_at limit :limit""")
                .param("running", JobStatus.RUNNING.name())
                .param("before", Timestamp.from(clock.instant().minus(age)))
                .param("done", ShardStatus.DONE.name())
                .param("limit", limit)
                .query((rs, n) -> rs.getObject(1, UUID.class))
                .list();
    }

    /**
     * A plan an earlier version stored for a dense PIPELINE training: a training plan with more than one stage (plans
     * of this version no longer say how many stages a step has; a model plan does).
     */
    private static final String EARLIER_PIPELINE_TRAINING = """
            case when jsonb_typeof(plan -> 'training' -> 'stages') = 'number'
                 then (plan -> 'training' ->> 'stages')::numeric > 1 else false end""";

    /** Running jobs whose plan is an earlier version's dense PIPELINE training, oldest change first. */
    public List<UUID> runningOnEarlierPipelineTraining(int limit) {
        return jdbc.sql("select id from jobs where status = :running and " + EARLIER_PIPELINE_TRAINING
                        + " order by updated_at limit :limit")
                .param("running", JobStatus.RUNNING.name())
                .param("limit", limit)
                .query((rs, n) -> rs.getObject(1, UUID.class))
                .list();
    }

    /** Whether the job's plan is an earlier version's dense PIPELINE training. */
    public boolean plannedAsEarlierPipelineTraining(UUID id) {
        return jdbc.sql("select " + EARLIER_PIPELINE_TRAINING + " from jobs where id = ?")
                .param(id)
                .query(Boolean.class)
                .optional()
                .orElse(false);
    }

    public Optional<JobStatus> status(UUID id) {
        return jdbc.sql("select status from jobs where id = ?")
                .param(id)
                .query(String.class)
                .optional()
                .map(JobStatus::valueOf);
    }

    /** Which of {@code ids} have ended (or are gone), in one query. */
    public Set<UUID> ended(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return Set.of();
        }
        var running = new HashSet<UUID>(jdbc.sql(
                        "select id from jobs where id = any(?) and " + Transitions.in("status", JobStatus.unfinished()))
                .param(ids.toArray(UUID[]::new))
                .query(UUID.class)
                .list());
        var ended = new HashSet<UUID>(ids);
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
                JsonColumns.read(rs.getString("spec"), JobSpec.class),
                plan(rs.getString("plan")),
                rs.getInt("shards_total"),
                rs.getInt("shards_done"),
                rs.getString("error"),
                rs.getLong("version"),
                rs.getTimestamp("created_at").toInstant(),
                rs.getTimestamp("updated_at").toInstant(),
                instant(rs.getTimestamp("started_at")),
                instant(rs.getTimestamp("finished_at")),
                rs.getObject("result_model_id", UUID.class),
                JsonColumns.readOrNull(rs.getString("progress"), TrainingProgress.class),
                JsonColumns.readOrNull(rs.getString("metrics"), TrainingMetrics.class),
                rs.getString("correlation_id"),
                rs.getString("trace_parent"));
    }

    private static @Nullable Plan plan(@Nullable String json) {
        var document = JsonColumns.readOrNull(json, PlanDocument.class);
        return document == null ? null : document.plan();
    }

    static @Nullable Instant instant(@Nullable Timestamp ts) {
        return ts == null ? null : ts.toInstant();
    }
}
