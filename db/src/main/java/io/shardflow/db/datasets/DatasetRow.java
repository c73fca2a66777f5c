package io.shardflow.db.datasets;

import io.shardflow.core.datasets.DatasetFormat;
import io.shardflow.core.datasets.DatasetShape;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A dataset's descriptor; its values live in column chunks of {@code chunkRows} rows. */
public record DatasetRow(
        UUID id,
        String tenant,
        String name,
        DatasetFormat format,
        long rows,
        List<String> columns,
        int chunkRows,
        Instant createdAt)
        implements DatasetShape {}
