package io.shardflow.api.errors;

/** A request that the resource's current state does not allow: 409. */
public class ConflictException extends RuntimeException {
    public ConflictException(String message) {
        super(message);
    }
}
