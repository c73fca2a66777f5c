package io.shardflow.api.datasets;

import io.shardflow.api.limits.StorageQuota;
import io.shardflow.core.datasets.DatasetFormat;
import io.shardflow.db.datasets.DatasetRepository;
import java.util.List;
import java.util.UUID;

/**
 * Collects rows into columnar chunks and stores each chunk as it fills: memory holds one chunk. Each chunk is
 * counted against the tenant's storage before it is stored.
 */
final class ChunkedDatasetWriter {
    private final DatasetRepository datasets;
    private final StorageQuota.Budget budget;
    private final UUID id;
    private final List<String> columns;
    private final float[][] chunk;
    private final int chunkRows;
    private int filled;
    private int chunkIndex;
    private long rows;

    ChunkedDatasetWriter(
            DatasetRepository datasets,
            UUID id,
            String tenant,
            String name,
            DatasetFormat format,
            List<String> columns,
            int chunkRows,
            StorageQuota.Budget budget) {
        this.datasets = datasets;
        this.budget = budget;
        this.id = id;
        this.columns = columns;
        this.chunkRows = chunkRows;
        this.chunk = new float[columns.size()][chunkRows];
        datasets.create(id, tenant, name, format, columns, chunkRows);
    }

    /** The dataset's columns, in the order of {@link #set}'s {@code column}. */
    List<String> columns() {
        return columns;
    }

    /** The 1-based number the next row will have, for error messages. */
    long nextRowNumber() {
        return rows + 1;
    }

    void set(int column, float value) {
        chunk[column][filled] = value;
    }

    /** Ends the row whose values were {@link #set}. */
    void endRow() {
        filled++;
        rows++;
        if (filled == chunkRows) {
            flush();
        }
    }

    /** Stores the last chunk and the row count. */
    void finish() {
        if (filled > 0) {
            flush();
        }
        datasets.setRowCount(id, rows);
    }

    private void flush() {
        // stored as float32 columns: what the chunk adds to the tenant's storage, checked before it is written
        budget.spend((long) filled * columns.size() * Float.BYTES);
        datasets.appendChunk(id, chunkIndex++, rows - filled, filled, chunk);
        filled = 0;
    }
}
