package io.shardflow.api.errors;

import org.springframework.http.HttpStatus;

/**
 * A request refused because a bound is reached, before it did anything: 429 when its caller went over its rate, 503
 * when the server has no room for it now. Either way it says, in {@code Retry-After}, when to try again.
 */
public class TooBusyException extends RuntimeException {
    private final HttpStatus status;
    private final long retryAfterSeconds;

    private TooBusyException(HttpStatus status, long retryAfterSeconds, String message) {
        super(message);
        this.status = status;
        this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
    }

    /** The caller went over its rate: 429. */
    public static TooBusyException tooManyRequests(long retryAfterSeconds, String message) {
        return new TooBusyException(HttpStatus.TOO_MANY_REQUESTS, retryAfterSeconds, message);
    }

    /** The server has no room for the request now: 503. */
    public static TooBusyException unavailable(long retryAfterSeconds, String message) {
        return new TooBusyException(HttpStatus.SERVICE_UNAVAILABLE, retryAfterSeconds, message);
    }

    public HttpStatus status() {
        return status;
    }

    /** Whole seconds, at least one, as {@code Retry-After} takes them. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
