package io.shardflow.core.planning;

import java.util.ArrayList;
import java.util.List;

/** Splits rows into contiguous, near-equal ranges: a pure function, so it is tested without Spring. */
public final class DataPlanner {
    private DataPlanner() {}

    /**
     * Splits {@code rows} into {@code shards} contiguous ranges in row order; the first {@code rows % shards}
     * ranges hold one row more. Never yields an empty range: with fewer rows than shards, one shard per row.
     */
    public static List<RowRange> split(long rows, int shards) {
        if (rows < 0) {
            throw new IllegalArgumentException("rows must be >= 0, was " + rows);
        }
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be >= 1, was " + shards);
        }
        if (rows == 0) {
            return List.of(new RowRange(0, 0));
        }
        int n = (int) Math.min(shards, rows);
        long base = rows / n;
        long extra = rows % n;
        var ranges = new ArrayList<RowRange>(n);
        long start = 0;
        for (int i = 0; i < n; i++) {
            long size = base + (i < extra ? 1 : 0);
            ranges.add(new RowRange(start, start + size));
            start += size;
        }
        return List.copyOf(ranges);
    }

    /** The shard count when the job does not name one: one shard per lane the fleet has, at least one. */
    public static int defaultShards(long rows, int fleetLanes) {
        return (int) Math.max(1, Math.min(Math.max(1, fleetLanes), Math.max(1, rows)));
    }
}
