package io.shardflow.api.intake;

/** A record that is not a job request at all; it goes to the dead-letter topic without retries. */
public class PoisonRecordException extends IllegalArgumentException {
    public PoisonRecordException(String message, Throwable cause) {
        super(message, cause);
    }

    public PoisonRecordException(String message) {
        super(message);
    }
}
