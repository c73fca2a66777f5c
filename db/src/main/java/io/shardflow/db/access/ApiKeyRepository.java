package io.shardflow.db.access;

import io.shardflow.db.jdbc.SqlArgs;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;

/** API keys: created with the hash of their secret, found by it, listed without it, revoked for good. */
public class ApiKeyRepository {
    private static final String COLUMNS = "id, name, tenant, roles, created_at, last_used_at, revoked_at";

    private final JdbcClient jdbc;
    private final Clock clock;

    public ApiKeyRepository(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    public ApiKeyRow create(UUID id, String name, String tenant, List<String> roles, byte[] keyHash) {
        return jdbc.sql("insert into api_keys (id, name, tenant, roles, key_hash, created_at) "
                        + "values (?, ?, ?, ?::text[], ?, ?) returning " + COLUMNS)
                .params(SqlArgs.of(id, name, tenant, textArray(roles), keyHash, Timestamp.from(clock.instant())))
                .query(ApiKeyRepository::map)
                .single();
    }

    /** The key whose secret hashes to {@code keyHash}, unless it was revoked. */
    public Optional<ApiKeyRow> findActive(byte[] keyHash) {
        return jdbc.sql("select " + COLUMNS + " from api_keys where key_hash = ? and revoked_at is null")
                .param(keyHash)
                .query(ApiKeyRepository::map)
                .optional();
    }

    public Optional<ApiKeyRow> find(UUID id) {
        return jdbc.sql("select " + COLUMNS + " from api_keys where id = ?")
                .param(id)
                .query(ApiKeyRepository::map)
                .optional();
    }

    /** Every key, newest first, revoked ones included (they say when). */
    public List<ApiKeyRow> list() {
        return jdbc.sql("select " + COLUMNS + " from api_keys order by created_at desc, id")
                .query(ApiKeyRepository::map)
                .list();
    }

    /** Revokes the key; false when there is none or it was revoked before. */
    public boolean revoke(UUID id) {
        return jdbc.sql("update api_keys set revoked_at = ? where id = ? and revoked_at is null")
                        .params(Timestamp.from(clock.instant()), id)
                        .update()
                == 1;
    }

    /** Records a use; callers write it at most now and then, not on every request. */
    public void touch(UUID id, Instant at) {
        jdbc.sql("update api_keys set last_used_at = ? where id = ? and (last_used_at is null or last_used_at < ?)")
                .params(Timestamp.from(at), id, Timestamp.from(at))
                .update();
    }

    /** Serialises first-start key creation across processes, for the rest of the calling transaction. */
    public void lockBootstrap() {
        jdbc.sql("select pg_advisory_xact_lock(hashtext('shardflow.api-keys.bootstrap'))")
                .query(Object.class)
                .list();
    }

    /** Whether any key that is not revoked holds {@code role}. */
    public boolean anyActiveWithRole(String role) {
        return jdbc.sql("select exists (select 1 from api_keys where revoked_at is null and ? = any(roles))")
                .param(role)
                .query(Boolean.class)
                .single();
    }

    private static String textArray(List<String> values) {
        // a PostgreSQL array literal; role names are plain words, checked before they get here
        return "{" + String.join(",", values) + "}";
    }

    private static ApiKeyRow map(ResultSet rs, int row) throws SQLException {
        Array roles = rs.getArray(4);
        return new ApiKeyRow(
                rs.getObject(1, UUID.class),
                rs.getString(2),
                rs.getString(3),
                List.of((String[]) roles.getArray()),
                rs.getTimestamp(5).toInstant(),
                instant(rs.getTimestamp(6)),
                instant(rs.getTimestamp(7)));
    }

    private static @Nullable Instant instant(@Nullable Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
