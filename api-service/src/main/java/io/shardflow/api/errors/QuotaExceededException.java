package io.shardflow.api.errors;

import io.shardflow.core.InvalidSpecException;
import java.net.URI;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/**
 * A submission refused because its tenant already has as many jobs not yet ended as its {@code maxQueuedJobs}
 * allows: 429 with {@code Retry-After}, nothing stored. The properties name the quota ({@code quota}, {@code limit}:
 * what sets it), the tenant, the cap ({@code max}) and the count ({@code queued}). An {@link InvalidSpecException},
 * so that a job request from Kafka over the quota is rejected with its field and reason like any other request
 * over a limit.
 */
public class QuotaExceededException extends InvalidSpecException {
    private static final URI TYPE = URI.create("https://shardflow.io/problems/quota-exceeded");

    private final String tenant;
    private final String quota;
    private final String limit;
    private final long max;
    private final long queued;
    private final long retryAfterSeconds;

    private QuotaExceededException(
            String tenant, String quota, String limit, long max, long queued, long retryAfterSeconds, String reason) {
        super(quota, reason);
        this.tenant = tenant;
        this.quota = quota;
        this.limit = limit;
        this.max = max;
        this.queued = queued;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** Tenant {@code tenant} has {@code queued} jobs not yet ended where {@code limit} allows {@code max}. */
    public static QuotaExceededException queuedJobs(
            String tenant, String limit, long max, long queued, long retryAfterSeconds) {
        return new QuotaExceededException(
                tenant,
                "maxQueuedJobs",
                limit,
                max,
                queued,
                retryAfterSeconds,
                "tenant " + tenant + " has " + queued + " jobs not yet ended, as many as its quota allows (" + max
                        + ", " + limit + "); nothing was stored: send the request again once some have ended");
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The answer: 429 {@code application/problem+json} with {@code Retry-After}. */
    public ResponseEntity<ProblemDetail> toResponse() {
        var problem = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, String.valueOf(getMessage()));
        problem.setType(TYPE);
        problem.setTitle("Quota exceeded");
        problem.setProperty("field", quota);
        problem.setProperty("quota", quota);
        problem.setProperty("limit", limit);
        problem.setProperty("tenant", tenant);
        problem.setProperty("max", max);
        problem.setProperty("queued", queued);
        problem.setProperty("retryAfterSeconds", retryAfterSeconds);
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                .header(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds))
                .body(problem);
    }
}
