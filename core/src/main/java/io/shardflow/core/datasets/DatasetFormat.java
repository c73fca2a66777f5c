package io.shardflow.core.datasets;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a dataset was uploaded and is stored: numeric columns (CSV, JSON Lines) or the bytes of a UTF-8 text. */
public enum DatasetFormat {
    CSV,
    JSONL,
    TEXT;

    /** The name users see and the database stores: {@code csv}, {@code jsonl}, {@code text}. */
    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static DatasetFormat of(String id) {
        return valueOf(id.toUpperCase(Locale.ROOT));
    }

    public boolean text() {
        return this == TEXT;
    }
}
