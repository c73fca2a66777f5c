package io.shardflow.api.errors;

import io.shardflow.core.InvalidSpecException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.springframework.http.ProblemDetail;

/**
 * The problem one item of a batch is refused with: the very body (and status) a request of its own would have got
 * from {@link ProblemHandler}, as a JSON object to put in the batch's answer.
 */
public final class ItemProblems {
    private ItemProblems() {}

    public static ProblemDetail of(InvalidSpecException e) {
        return switch (e) {
            case QuotaExceededException quota ->
                Objects.requireNonNull(quota.toResponse().getBody());
            case LimitExceededException limit -> limit.toProblem();
            default -> ProblemHandler.invalid(e.field(), e.reason());
        };
    }

    /** The problem's members as RFC 9457 writes them: the standard ones, then its properties at the same level. */
    public static Map<String, Object> body(ProblemDetail problem) {
        var body = new LinkedHashMap<String, Object>();
        var type = problem.getType();
        body.put("type", type == null ? "about:blank" : type.toString());
        if (problem.getTitle() != null) {
            body.put("title", problem.getTitle());
        }
        body.put("status", problem.getStatus());
        if (problem.getDetail() != null) {
            body.put("detail", problem.getDetail());
        }
        if (problem.getProperties() != null) {
            body.putAll(problem.getProperties());
        }
        return body;
    }
}
