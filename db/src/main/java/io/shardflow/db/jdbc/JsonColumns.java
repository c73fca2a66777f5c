package io.shardflow.db.jdbc;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The one mapping between {@code jsonb} columns and records: repositories write a record with {@link #write} (bound
 * as text and cast to jsonb in SQL) and read the {@code ::text} of a column back with {@link #read}, so nothing
 * above the repositories handles JSON text. The {@code OrNull} forms are for columns that may be null.
 */
public final class JsonColumns {
    // a column may hold fields a newer version wrote; reading it must not fail
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private JsonColumns() {}

    public static String write(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    public static @Nullable String writeOrNull(@Nullable Object value) {
        return value == null ? null : write(value);
    }

    /** The value of a column that is never null (a null is a broken row, and fails). */
    public static <T> T read(@Nullable String json, Class<T> type) {
        if (json == null) {
            throw new IllegalStateException("a " + type.getSimpleName() + " column holds null");
        }
        return MAPPER.readValue(json, type);
    }

    public static <T> @Nullable T readOrNull(@Nullable String json, Class<T> type) {
        return json == null ? null : MAPPER.readValue(json, type);
    }
}
