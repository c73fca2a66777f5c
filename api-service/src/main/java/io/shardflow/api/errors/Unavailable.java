package io.shardflow.api.errors;

import io.shardflow.db.jdbc.DatabaseUnavailable;
import java.net.URI;
import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/**
 * A request that the API cannot serve right now, though it may in a moment: the database cannot be reached (stopped,
 * restarting, or no connection free within Hikari's {@code connection-timeout}), or the server is stopping. It is
 * answered 503 with {@code Retry-After}, never 500.
 */
public final class Unavailable {
    /** How long a client is told to wait before it retries. */
    public static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    static final URI DATABASE = URI.create("https://shardflow.io/problems/database-unavailable");

    private Unavailable() {}

    /** Whether {@code e}, or what caused it, says the database could not be reached. */
    public static boolean database(Throwable e) {
        return DatabaseUnavailable.causes(e);
    }

    /** The problem of a request that could not reach the database. */
    public static ProblemDetail databaseProblem() {
        var problem = ProblemDetail.forStatusAndDetail(
                HttpStatus.SERVICE_UNAVAILABLE,
                "the database cannot be reached right now; retry after " + RETRY_AFTER.toSeconds()
                        + " s (a job sent again with the same Idempotency-Key is accepted once)");
        problem.setType(DATABASE);
        problem.setTitle("Service unavailable");
        return problem;
    }

    /** The {@code Retry-After} header's value, in seconds. */
    public static String retryAfter() {
        return Long.toString(RETRY_AFTER.toSeconds());
    }

    /** {@code problem} as a 503 with {@code Retry-After}, in the header and, as the API's other 503s, the body. */
    public static ResponseEntity<ProblemDetail> answer(ProblemDetail problem) {
        problem.setProperty("retryAfterSeconds", RETRY_AFTER.toSeconds());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, retryAfter())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }
}
