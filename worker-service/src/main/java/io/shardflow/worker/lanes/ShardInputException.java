package io.shardflow.worker.lanes;

/** The task's input is wrong (unknown model, missing column, shape mismatch): retrying cannot help. */
public class ShardInputException extends RuntimeException {
    public ShardInputException(String message) {
        super(message);
    }
}
