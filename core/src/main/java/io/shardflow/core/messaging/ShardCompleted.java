package io.shardflow.core.messaging;

import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * On {@link Topics#SHARD_RESULTS}: a shard attempt ended. On success the partial is already durable. A failure
 * that is not {@code retryable} (bad input) fails the job at once; a retryable one is tried again. A worker that
 * stops before finishing an attempt gives it back ({@code handedBack}): it runs again without using up an attempt.
 * {@code stackTrace} is where a failure on a lane was thrown (at most {@link #MAX_STACK_TRACE} characters).
 */
public record ShardCompleted(
        UUID jobId,
        int step,
        int stage,
        int shardIndex,
        int attempt,
        boolean succeeded,
        @Nullable String error,
        boolean retryable,
        String workerId,
        long computeMillis,
        boolean handedBack,
        @Nullable String stackTrace) {
    /** The most of a failure's stack trace a notice carries (and its shard keeps). */
    public static final int MAX_STACK_TRACE = 16 * 1024;

    public static ShardCompleted success(ShardTask task, String workerId, long computeMillis) {
        return new ShardCompleted(
                task.jobId(),
                task.step(),
                task.stage(),
                task.shardIndex(),
                task.attempt(),
                true,
                null,
                false,
                workerId,
                computeMillis,
                false,
                null);
    }

    public static ShardCompleted failure(ShardTask task, String workerId, String error, boolean retryable) {
        return failure(task, workerId, error, retryable, null);
    }

    /** A failure with where it was thrown, cut to {@link #MAX_STACK_TRACE} characters. */
    public static ShardCompleted failure(
            ShardTask task, String workerId, String error, boolean retryable, @Nullable String stackTrace) {
        return new ShardCompleted(
                task.jobId(),
                task.step(),
                task.stage(),
                task.shardIndex(),
                task.attempt(),
                false,
                error,
                retryable,
                workerId,
                0,
                false,
                stackTrace == null || stackTrace.length() <= MAX_STACK_TRACE
                        ? stackTrace
                        : stackTrace.substring(0, MAX_STACK_TRACE));
    }

    /** The worker is stopping and did not finish the attempt: run it elsewhere, as a fresh attempt. */
    public static ShardCompleted handedBack(ShardTask task, String workerId, String reason) {
        return new ShardCompleted(
                task.jobId(),
                task.step(),
                task.stage(),
                task.shardIndex(),
                task.attempt(),
                false,
                reason,
                true,
                workerId,
                0,
                true,
                null);
    }
}
