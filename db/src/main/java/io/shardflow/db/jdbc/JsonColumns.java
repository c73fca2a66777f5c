package io.shardflow.db.jdbc;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one mapping between {@code jsonb} columns and records: repositories write a record with {@link #write} (bound
 * as text and cast to jsonb in SQL) and read the {@code ::text} of a column back with {@link #read}, so nothing
 * above the repositories handles JSON text.
 */
public final class JsonColumns {
    // a column may hold fields a newer version wrote; reading it must not fail
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private JsonColumns() {}

    public static @Nullable String write(@Nullable Object value) {
        return value == null ? null : MAPPER.writeValueAsString(value);
    }

    public static <T> @Nullable T read(@Nullable String json, Class<T> type) {
        return json == null ? null : MAPPER.readValue(json, type);
    }

    public static <T> @Nullable T read(byte @Nullable [] json, Class<T> type) {
        return json == null ? null : read(new String(json, StandardCharsets.UTF_8), type);
    }
}
