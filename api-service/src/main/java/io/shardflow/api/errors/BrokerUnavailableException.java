package io.shardflow.api.errors;

/** Kafka did not answer what a request needed from it (the queues page asks the broker directly): 503. */
public class BrokerUnavailableException extends RuntimeException {
    public BrokerUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
