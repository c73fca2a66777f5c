package io.shardflow.db.access;

import io.shardflow.db.jdbc.SqlArgs;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Who did what: every key created or revoked, every operator action, every act on another tenant's behalf. */
public class AuditLog {
    private final JdbcClient jdbc;
    private final Clock clock;

    public AuditLog(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * One entry.
     *
     * @param actorId the key (or identity) that acted
     * @param actorName its name
     * @param action what it did, a short verb phrase such as {@code job.cancel}
     * @param tenant whose resource it acted on, if any
     * @param target the resource, if any (a job id, a key id)
     * @param detail anything else worth knowing
     */
    public record Entry(
            long id,
            Instant at,
            String actorId,
            String actorName,
            String action,
            @Nullable String tenant,
            @Nullable String target,
            @Nullable String detail) {}

    public void append(
            String actorId,
            String actorName,
            String action,
            @Nullable String tenant,
            @Nullable String target,
            @Nullable String detail) {
        jdbc.sql("insert into audit_log (at, actor_id, actor_name, action, tenant, target, detail) "
                        + "values (?, ?, ?, ?, ?, ?, ?)")
                .params(SqlArgs.of(Timestamp.from(clock.instant()), actorId, actorName, action, tenant, target, detail))
                .update();
    }

    /** The newest {@code limit} entries older than entry {@code before} (all when null), newest first. */
    public List<Entry> list(@Nullable Long before, int limit) {
        return jdbc.sql("select id, at, actor_id, actor_name, action, tenant, target, detail from audit_log "
                        + "where id < ? order by id desc limit ?")
                .params(before == null ? Long.MAX_VALUE : before, limit)
                .query((rs, n) -> new Entry(
                        rs.getLong(1),
                        rs.getTimestamp(2).toInstant(),
                        rs.getString(3),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        rs.getString(7),
                        rs.getString(8)))
                .list();
    }
}
