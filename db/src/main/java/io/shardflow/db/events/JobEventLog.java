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
