package io.shardflow.worker.lanes;

import io.shardflow.core.messaging.ShardTask;
import io.shardflow.db.quotas.QuotaDefaults;
import io.shardflow.db.quotas.TenantQuotas;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardQueue;
import java.time.Clock;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * When a long data shard gives its lane back part-way: every {@code sliceTime} of computing, between two windows,
 * its lane asks whether waiting work should have it ({@link ShardQueue#betterWaiting}). Nothing waits, and the shard
 * computes on with no write at all; something does, and it stops there, so a synchronous call waits for at most a
 * slice and a window of batch work, not for the batch. While anything waits for a lane, the windows of such a shard
 * are sized to take about a quarter of a slice each (by how long the last one took), so a wide model's window does
 * not outlast the slice; while nothing waits they are {@code batch-rows} long, as reading and computing are cheapest
 * in large windows.
 */
public class LaneYield {
    /** The first window of a shard, before there is a measure of its rows' cost. */
    static final int FIRST_WINDOW_ROWS = 256;

    private static final int MIN_WINDOW_ROWS = 16;

    private final ShardQueue queue;
    private final TenantQuotas quotas;
    private final QuotaDefaults defaults;
    private final Clock clock;
    private final Duration sliceTime;
    private final long capBytes;

    public LaneYield(
            ShardQueue queue,
            TenantQuotas quotas,
            QuotaDefaults defaults,
            Clock clock,
            Duration sliceTime,
            @Nullable Long capBytes) {
        this.queue = queue;
        this.quotas = quotas;
        this.defaults = defaults;
        this.clock = clock;
        this.sliceTime = sliceTime;
        this.capBytes = capBytes == null ? Long.MAX_VALUE : capBytes;
    }

    /**
     * The clock of one task's slices, started now. A task of no more rows than a first window is read in one window
     * whatever waits, so the queue is asked only for larger ones.
     */
    public Slice start(ShardTask task) {
        boolean manyRows = task.rowEnd() - task.rowStart() > FIRST_WINDOW_ROWS;
        return new Slice(
                ShardKey.of(task), System.nanoTime(), !sliceTime.isZero() && manyRows && queue.anyWaiting(capBytes));
    }

    /** One task's slices: {@link #yields} once per slice time asks the queue. */
    public final class Slice {
        private final ShardKey key;
        private long sliceStart;
        private long windowStart;
        private double nanosPerRow;
        private boolean contended;

        private Slice(ShardKey key, long sliceStart, boolean contended) {
            this.key = key;
            this.sliceStart = sliceStart;
            this.windowStart = sliceStart;
            this.contended = contended;
        }

        /** A window of {@code rows} rows is done: its time per row sizes the next windows. */
        public void windowDone(long rows) {
            long now = System.nanoTime();
            nanosPerRow = (now - windowStart) / (double) Math.max(1, rows);
            windowStart = now;
        }

        /** Rows for the next window: about a quarter of a slice of work while anything waits, at most {@code maxRows}. */
        public int windowRows(int maxRows) {
            if (!contended) {
                return maxRows;
            }
            if (nanosPerRow <= 0) {
                return Math.min(maxRows, FIRST_WINDOW_ROWS);
            }
            double rows = sliceTime.toNanos() / 4.0 / nanosPerRow;
            return (int) Math.max(MIN_WINDOW_ROWS, Math.min(maxRows, rows));
        }

        /** Whether the shard should stop before its next window. */
        public boolean yields() {
            if (sliceTime.isZero() || System.nanoTime() - sliceStart < sliceTime.toNanos()) {
                return false;
            }
            sliceStart = System.nanoTime();
            contended = queue.anyWaiting(capBytes);
            return contended && queue.betterWaiting(key, capBytes, quotas, defaults, clock.instant());
        }
    }
}
