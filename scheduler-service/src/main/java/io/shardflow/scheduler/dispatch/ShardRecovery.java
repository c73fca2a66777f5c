package io.shardflow.scheduler.dispatch;

import io.shardflow.core.shards.ShardFailure;
import io.shardflow.db.events.JobEventLog;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.shards.ShardRow;
import io.shardflow.scheduler.admission.Admission;
import io.shardflow.scheduler.coordination.JobFailures;
import org.jspecify.annotations.Nullable;

/**
 * What happens to a shard attempt that did not finish, whether it failed on a worker, lost its worker or was handed
 * back by one stopping or full, for every kind of job alike: another attempt, queued for admission like any waiting
 * shard, while attempts remain and a retry can help (always after a hand-back), else the job fails with the shard's
 * reason.
 */
public class ShardRecovery {
    private final ShardRepository shards;
    private final Admission admission;
    private final JobFailures failures;
    private final JobEventLog timeline;

    public ShardRecovery(ShardRepository shards, Admission admission, JobFailures failures, JobEventLog timeline) {
        this.shards = shards;
        this.admission = admission;
        this.failures = failures;
        this.timeline = timeline;
    }

    /**
     * Call in a transaction, with the job locked. {@code shard} is the attempt that ended; a stale attempt was
     * filtered out before.
     */
    public void attemptEnded(JobRow job, ShardRow shard, String reason, ShardFailure failure, boolean retryable) {
        attemptEnded(job, shard, reason, failure, retryable, null);
    }

    /** As above, with where the attempt's failure was thrown (kept with the shard for the job's page). */
    public void attemptEnded(
            JobRow job,
            ShardRow shard,
            String reason,
            ShardFailure failure,
            boolean retryable,
            @Nullable String stackTrace) {
        var key = shard.key();
        if (retryable && (shard.attempt() < shard.maxAttempts() || failure == ShardFailure.HANDED_BACK)) {
            shards.requeue(key, shard.attempt(), reason, failure, stackTrace).ifPresent(next -> {
                admission.wakeAfterCommit();
                timeline.append(
                        job.id(),
                        "io.shardflow.shard.retried",
                        "shard " + key.shardIndex() + " attempt " + shard.attempt() + " ended (" + reason
                                + "); attempt " + next.attempt() + " queued");
            });
            return;
        }
        if (shards.fail(key, shard.attempt(), reason, failure, stackTrace)) {
            String error = "shard " + key.shardIndex() + " (rows " + shard.rowStart() + ".." + shard.rowEnd()
                    + ") failed" + (retryable ? " after " + shard.attempt() + " attempts" : "") + ": " + reason;
            failures.fail(job, error);
        }
    }
}
