package io.shardflow.api.datasets;

import io.shardflow.db.datasets.DatasetRow;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

public record DatasetView(UUID id, String name, String format, long rows, List<String> columns, Instant createdAt) {
    public static DatasetView of(DatasetRow d) {
        return new DatasetView(d.id(), d.name(), d.format(), d.rows(), d.columns(), d.createdAt());
    }
}
