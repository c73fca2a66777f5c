package io.shardflow.api.datasets;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.shardflow.core.datasets.DatasetFormat;
import io.shardflow.db.datasets.DatasetRow;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** A dataset: rows and columns of numbers, or for {@code format: text} its size in {@code bytes}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetView(
        UUID id,
        String name,
        DatasetFormat format,
        @Nullable Long rows,
        @Nullable List<String> columns,
        @Nullable Long bytes,
        Instant createdAt) {
    public static DatasetView of(DatasetRow d) {
        boolean text = d.format().text();
        return new DatasetView(
                d.id(),
                d.name(),
                d.format(),
                text ? null : d.rows(),
                text ? null : d.columns(),
                text ? d.rows() : null,
                d.createdAt());
    }
}
