package io.shardflow.worker.lanes;

/** The task's input is wrong (unknown model, missing column, shape mismatch): retrying cannot help. */
public class ShardInputException extends RuntimeException {
    private final String reason;

    public ShardInputException(String reason) {
        super(reason);
        this.reason = reason;
    }

    /** What is wrong with the input: the message, which this exception always has. */
    public String reason() {
        return reason;
    }
}
