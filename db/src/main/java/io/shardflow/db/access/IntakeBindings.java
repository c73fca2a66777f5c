package io.shardflow.db.access;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Which tenant a job request from Kafka acts for: an event's CloudEvent {@code source} is matched against the bound
 * sources by prefix, the longest winning; an unbound source gets no tenant.
 */
public class IntakeBindings {
    private final JdbcClient jdbc;
    private final Clock clock;

    public IntakeBindings(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    public record Binding(UUID id, String source, String tenant, Instant createdAt) {}

    /** Binds {@code source} (a prefix) to {@code tenant}; an existing binding of the same source is replaced. */
    public Binding bind(String source, String tenant) {
        return jdbc.sql("insert into intake_bindings (id, source, tenant, created_at) values (?, ?, ?, ?) "
                        + "on conflict (source) do update set tenant = excluded.tenant, created_at = excluded.created_at "
                        + "returning id, source, tenant, created_at")
                .params(UUID.randomUUID(), source, tenant, Timestamp.from(clock.instant()))
                .query((rs, n) -> new Binding(
                        rs.getObject(1, UUID.class),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getTimestamp(4).toInstant()))
                .single();
    }

    public boolean unbind(UUID id) {
        return jdbc.sql("delete from intake_bindings where id = ?").param(id).update() == 1;
    }

    public List<Binding> list() {
        return jdbc.sql("select id, source, tenant, created_at from intake_bindings order by source")
                .query((rs, n) -> new Binding(
                        rs.getObject(1, UUID.class),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getTimestamp(4).toInstant()))
                .list();
    }

    /** The tenant of the longest bound source that {@code source} starts with. */
    public Optional<String> tenantOf(String source) {
        return jdbc.sql("select tenant from intake_bindings where starts_with(?, source) "
                        + "order by length(source) desc limit 1")
                .param(source)
                .query(String.class)
                .optional();
    }
}
