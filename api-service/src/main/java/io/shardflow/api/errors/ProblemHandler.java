package io.shardflow.api.errors;

import io.shardflow.api.jobs.SyncJobFailedException;
import io.shardflow.api.jobs.SyncStoppedException;
import io.shardflow.api.jobs.SyncTimeoutException;
import io.shardflow.api.json.JsonErrors;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.jobs.JobStatus;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.context.MessageSourceResolvable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;

/**
 * Every error as RFC 9457 {@code application/problem+json}. Bad input names its field in {@code field} and in
 * {@code errors[]}; a body that is not valid JSON is a 400, never a 500.
 */
@RestControllerAdvice
public class ProblemHandler extends ResponseEntityExceptionHandler {
    private static final URI INVALID = URI.create("https://shardflow.io/problems/invalid-request");

    private final JsonErrors jsonErrors;

    public ProblemHandler(JsonErrors jsonErrors) {
        this.jsonErrors = jsonErrors;
    }

    @ExceptionHandler(InvalidSpecException.class)
    ProblemDetail invalid(InvalidSpecException e) {
        return invalid(e.field(), e.reason());
    }

    /** An input over a limit: 413 (or what the limit says) with {@code limit}, {@code max} and {@code value}. */
    @ExceptionHandler(LimitExceededException.class)
    ProblemDetail limitExceeded(LimitExceededException e) {
        return e.toProblem();
    }

    /** A tenant at its quota of jobs not yet ended: 429 with {@code Retry-After}, nothing stored. */
    @ExceptionHandler(QuotaExceededException.class)
    ResponseEntity<ProblemDetail> quotaExceeded(QuotaExceededException e) {
        return e.toResponse();
    }

    @ExceptionHandler(NotFoundException.class)
    ProblemDetail notFound(NotFoundException e) {
        var problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
        problem.setTitle("Not found");
        return problem;
    }

    /** A caller that may not do this (a SUBMITTER acting for another tenant, say): 403, like the access rules' own. */
    @ExceptionHandler(AccessDeniedException.class)
    ProblemDetail forbidden(AccessDeniedException e) {
        var problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, e.getMessage());
        problem.setTitle("Forbidden");
        return problem;
    }

    @ExceptionHandler(ConflictException.class)
    ProblemDetail conflict(ConflictException e) {
        var problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
        problem.setTitle("Conflict");
        return problem;
    }

    @ExceptionHandler(BrokerUnavailableException.class)
    ProblemDetail brokerUnavailable(BrokerUnavailableException e) {
        logger.warn(e.getMessage() + ": " + e.getCause());
        var problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
        problem.setTitle("Kafka unavailable");
        return problem;
    }

    @ExceptionHandler(SyncTimeoutException.class)
    ProblemDetail syncTimeout(SyncTimeoutException e) {
        var problem = ProblemDetail.forStatusAndDetail(HttpStatus.GATEWAY_TIMEOUT, e.getMessage());
        problem.setTitle("Timed out");
        problem.setProperty("jobId", e.jobId());
        return problem;
    }

    @ExceptionHandler(SyncJobFailedException.class)
    ProblemDetail syncFailed(SyncJobFailedException e) {
        var status = e.status() == JobStatus.CANCELLED ? HttpStatus.CONFLICT : HttpStatus.INTERNAL_SERVER_ERROR;
        var problem = ProblemDetail.forStatusAndDetail(status, e.getMessage());
        problem.setTitle("Job " + e.status().name().toLowerCase(Locale.ROOT));
        problem.setProperty("jobId", e.jobId());
        return problem;
    }

    /** A bound was reached (the caller's rate, the waiting synchronous calls): 429 or 503 with Retry-After. */
    @ExceptionHandler(TooBusyException.class)
    ResponseEntity<ProblemDetail> tooBusy(TooBusyException e) {
        var problem = ProblemDetail.forStatusAndDetail(e.status(), e.getMessage());
        problem.setTitle(e.status() == HttpStatus.TOO_MANY_REQUESTS ? "Too many requests" : "Busy");
        problem.setProperty("retryAfterSeconds", e.retryAfterSeconds());
        return ResponseEntity.status(e.status())
                .header(HttpHeaders.RETRY_AFTER, Long.toString(e.retryAfterSeconds()))
                .body(problem);
    }

    /** The server stopped while the call waited: 503, to be sent again (to another instance, or after a restart). */
    @ExceptionHandler(SyncStoppedException.class)
    ResponseEntity<ProblemDetail> syncStopped(SyncStoppedException e) {
        var problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
        problem.setTitle("Service unavailable");
        problem.setProperty("jobId", e.jobId());
        return Unavailable.answer(problem);
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ProblemDetail typeMismatch(MethodArgumentTypeMismatchException e) {
        return invalid(
                e.getName(), JsonErrors.expected(e.getRequiredType()) + ", was " + JsonErrors.quote(e.getValue()));
    }

    @Override
    protected ResponseEntity<Object> handleMissingServletRequestParameter(
            MissingServletRequestParameterException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        return ResponseEntity.badRequest().body(invalid(e.getParameterName(), "is required"));
    }

    /**
     * Anything unforeseen: a 500 that says so without leaking internals; the log has the details. A database that
     * cannot be reached is foreseen, whatever wraps it: 503 with {@code Retry-After} ({@link Unavailable}).
     */
    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e, HttpServletResponse response) throws Exception {
        if (response.isCommitted()) {
            // the answer has begun (its status, perhaps part of its body): a problem now would only be appended to
            // it. The failure goes on to the server, which logs it and cuts the connection: the body ends short.
            throw e;
        }
        if (Unavailable.database(e)) {
            logger.warn("request failed, the database cannot be reached: " + e);
            return Unavailable.answer(Unavailable.databaseProblem());
        }
        logger.error("request failed", e);
        var problem = ProblemDetail.forStatusAndDetail(
                HttpStatus.INTERNAL_SERVER_ERROR, "the request failed on the server; nothing of it was kept");
        problem.setTitle("Internal error");
        return ResponseEntity.internalServerError().body(problem);
    }

    /** A body that could not be read as the request: its field and a plain reason ({@link JsonErrors}). */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(
            HttpMessageNotReadableException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof JacksonException json) {
                var reason = jsonErrors.describe(json);
                return ResponseEntity.badRequest().body(invalid(reason.field(), reason.message()));
            }
            if (t instanceof InvalidSpecException spec) {
                return ResponseEntity.badRequest().body(invalid(spec.field(), spec.reason()));
            }
        }
        return ResponseEntity.badRequest().body(invalid("body", "is required: a JSON document"));
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(
            MethodArgumentNotValidException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        var first = e.getBindingResult().getFieldErrors().getFirst();
        return ResponseEntity.badRequest().body(invalid(first.getField(), messageOf(first)));
    }

    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(
            HandlerMethodValidationException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        var result = e.getParameterValidationResults().getFirst();
        String name = result.getMethodParameter().getParameterName();
        return ResponseEntity.badRequest()
                .body(invalid(
                        name == null ? "parameter" : name,
                        messageOf(result.getResolvableErrors().getFirst())));
    }

    /** A validation error's message; one without a default message (none of Bean Validation's) says the least. */
    private static String messageOf(MessageSourceResolvable error) {
        String message = error.getDefaultMessage();
        return message == null ? "is invalid" : message;
    }

    static ProblemDetail invalid(String field, String reason) {
        var problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, field + ": " + reason);
        problem.setType(INVALID);
        problem.setTitle("Invalid request");
        problem.setProperty("field", field);
        problem.setProperty("errors", List.of(Map.of("field", field, "message", reason)));
        return problem;
    }
}
