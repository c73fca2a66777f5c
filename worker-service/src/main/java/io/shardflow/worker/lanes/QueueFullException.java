package io.shardflow.worker.lanes;

/**
 * A {@link DeferredComputation} that has no room for a task now (its queue is at its bound). The lane does not wait
 * for room: it hands the task back, and the shard runs again without using up an attempt.
 */
public class QueueFullException extends RuntimeException {
    public QueueFullException(String message) {
        super(message);
    }
}
