package io.shardflow.worker.lanes;

import io.shardflow.core.messaging.ShardTask;
import io.shardflow.db.quotas.QuotaDefaults;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardQueue;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * When a long data shard gives its lane back part-way: every {@code sliceTime} of computing, between two windows,
 * its lane asks whether waiting work should have it ({@link ShardQueue#betterWaiting}). Nothing waits, and the shard
 * computes on with no write at all; something does, and it stops there, so a synchronous call waits for at most a
 * slice and a window of batch work, not for the batch.
 */
public class LaneYield {
    private final ShardQueue queue;
    private final QuotaDefaults defaults;
    private final Duration sliceTime;
    private final long capBytes;

    public LaneYield(ShardQueue queue, QuotaDefaults defaults, Duration sliceTime, @Nullable Long capBytes) {
        this.queue = queue;
        this.defaults = defaults;
        this.sliceTime = sliceTime;
        this.capBytes = capBytes == null ? Long.MAX_VALUE : capBytes;
    }

    /** The clock of one task's slices, started now. */
    public Slice start(ShardTask task) {
        return new Slice(ShardKey.of(task), System.nanoTime());
    }

    /** One task's slices: {@link #yields} once per slice time asks the queue. */
    public final class Slice {
        private final ShardKey key;
        private long sliceStart;

        private Slice(ShardKey key, long sliceStart) {
            this.key = key;
            this.sliceStart = sliceStart;
        }

        /** Whether the shard should stop before its next window. */
        public boolean yields() {
            if (sliceTime.isZero() || System.nanoTime() - sliceStart < sliceTime.toNanos()) {
                return false;
            }
            sliceStart = System.nanoTime();
            return queue.betterWaiting(key, capBytes, defaults);
        }
    }
}
