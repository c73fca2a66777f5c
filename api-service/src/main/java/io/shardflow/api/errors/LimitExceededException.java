package io.shardflow.api.errors;

import io.shardflow.core.InvalidSpecException;
import java.net.URI;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/**
 * An input over one of the API's limits: answered (by {@link ProblemHandler}) with the status given, 413 for sizes,
 * and the properties {@code field}, {@code limit} (the setting), {@code max} and {@code value}, plus {@code used}
 * for a storage quota. An {@link InvalidSpecException}, so that a job request from Kafka is rejected with its
 * field and reason like any other bad request.
 */
public class LimitExceededException extends InvalidSpecException {
    private static final URI TYPE = URI.create("https://shardflow.io/problems/limit-exceeded");

    private final String limit;
    private final long max;
    private final long value;
    private final @Nullable Long used;
    private final HttpStatus status;

    private LimitExceededException(
            String field, String reason, String limit, long max, long value, @Nullable Long used, HttpStatus status) {
        super(field, reason);
        this.limit = limit;
        this.max = max;
        this.value = value;
        this.used = used;
        this.status = status;
    }

    /**
     * {@code value} {@code unit} ("parameters", "bytes", ...) where the setting {@code limit} allows {@code max}: 413.
     */
    public static LimitExceededException tooLarge(String field, String limit, long max, long value, String unit) {
        return new LimitExceededException(
                field,
                "has " + value + " " + unit + ", more than the " + max + " allowed (" + limit + ")",
                limit,
                max,
                value,
                null,
                HttpStatus.CONTENT_TOO_LARGE);
    }

    /**
     * Input that goes on past {@code max} {@code unit} ({@code what}: "line 3", or empty for the whole field): how
     * much more is unknown, so {@code value} is the first one over.
     */
    public static LimitExceededException streamedPast(String field, String what, String limit, long max, String unit) {
        return new LimitExceededException(
                field,
                (what.isEmpty() ? "" : what + " ") + "is larger than the " + max + " " + unit + " allowed (" + limit
                        + ")",
                limit,
                max,
                max + 1,
                null,
                HttpStatus.CONTENT_TOO_LARGE);
    }

    /** A tenant that stores {@code used} bytes and would store {@code value} with this request: 413. */
    public static LimitExceededException quota(String field, String limit, long max, long used, long value) {
        return new LimitExceededException(
                field,
                "would bring the tenant's stored data to " + value + " bytes (it stores " + used + "), more than the "
                        + max + " allowed (" + limit + ")",
                limit,
                max,
                value,
                used,
                HttpStatus.CONTENT_TOO_LARGE);
    }

    /** Work that ran past a time limit of {@code max} milliseconds, after {@code value}: 504, as a sync call's. */
    public static LimitExceededException tooLong(String field, String limit, long maxMillis, long valueMillis) {
        return new LimitExceededException(
                field,
                "took longer than the " + maxMillis + " ms allowed (" + limit + "); nothing of it was kept",
                limit,
                maxMillis,
                valueMillis,
                null,
                HttpStatus.GATEWAY_TIMEOUT);
    }

    public String limit() {
        return limit;
    }

    public long max() {
        return max;
    }

    public long value() {
        return value;
    }

    public @Nullable Long used() {
        return used;
    }

    public HttpStatus status() {
        return status;
    }

    /** The answer: {@code application/problem+json} with the limit's name, its value and the value found. */
    public ProblemDetail toProblem() {
        var problem = ProblemDetail.forStatusAndDetail(status, String.valueOf(getMessage()));
        problem.setType(TYPE);
        problem.setTitle("Limit exceeded");
        problem.setProperty("field", field());
        problem.setProperty("limit", limit);
        problem.setProperty("max", max);
        problem.setProperty("value", value);
        if (used != null) {
            problem.setProperty("used", used);
        }
        return problem;
    }
}
