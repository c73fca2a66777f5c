package io.shardflow.core.planning;

/** Rows {@code [start, end)} of a dataset. */
public record RowRange(long start, long end) {
    public RowRange {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException("bad row range [" + start + ", " + end + ")");
        }
    }

    public long size() {
        return end - start;
    }
}
