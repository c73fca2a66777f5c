package io.shardflow.db.events;

import io.shardflow.db.jdbc.SqlArgs;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;

/** A job's timeline: every state change and operator action, in order. */
public class JobEventLog {
    private final JdbcClient jdbc;
    private final Clock clock;

    public JobEventLog(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    public record Entry(
            long id, UUID jobId, String type, @Nullable String detail, Instant at) {}

    public void append(UUID jobId, String type, @Nullable String detail) {
        // dated by the clock the jobs' own times come from, so a timeline and its job agree
        jdbc.sql("insert into job_events (job_id, type, detail, created_at) values (?, ?, ?, ?)")
                .params(SqlArgs.of(jobId, type, detail, Timestamp.from(clock.instant())))
                .update();
    }

    /** An entry for {@link #appendAll}. */
    public record NewEntry(
            UUID jobId, String type, @Nullable String detail) {}

    /** Appends every entry in one statement, in their order, all dated now. */
    public void appendAll(List<NewEntry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        int n = entries.size();
        var jobs = new UUID[n];
        var types = new String[n];
        @Nullable String[] details = new @Nullable String[n];
        for (int i = 0; i < n; i++) {
            var e = entries.get(i);
            jobs[i] = e.jobId();
            types[i] = e.type();
            details[i] = e.detail();
        }
        jdbc.sql("""
                insert into job_events (job_id, type, detail, created_at)
                select t.job_id, t.type, t.detail, ?
                from unnest(?::uuid[], ?::text[], ?::text[]) with ordinality as t(job_id, type, detail, n)
                order by t.n""")
                .params(Timestamp.from(clock.instant()), jobs, types, details)
                .update();
    }

    /** The id of the newest entry of any job: changes whenever anything happens to a job. */
    public long latestId() {
        return jdbc.sql("select coalesce(max(id), 0) from job_events")
                .query(Long.class)
                .single();
    }

    public List<Entry> timeline(UUID jobId) {
        return jdbc.sql("select id, job_id, type, detail, created_at from job_events where job_id = ? order by id")
                .param(jobId)
                .query((rs, n) -> new Entry(
                        rs.getLong(1),
                        rs.getObject(2, UUID.class),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getTimestamp(5).toInstant()))
                .list();
    }
}
