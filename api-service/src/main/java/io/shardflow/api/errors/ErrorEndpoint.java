package io.shardflow.api.errors;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Where the servlet container sends an error that no controller answered (a filter's refusal, a
 * {@code sendError}, an exception outside Spring MVC): a problem+json like every other error, in place of Spring
 * Boot's JSON or HTML page. It says what the status means and nothing of the exception.
 */
@RestController
class ErrorEndpoint implements ErrorController {
    @RequestMapping("${server.error.path:/error}")
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        int status;
        if (request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code && code >= 400) {
            status = code;
        } else if (request.getAttribute(RequestDispatcher.ERROR_EXCEPTION) != null) {
            status = HttpStatus.INTERNAL_SERVER_ERROR.value();
        } else {
            // asked for directly, there is no error: nothing is at this path
            status = HttpStatus.NOT_FOUND.value();
        }
        var known = HttpStatus.resolve(status);
        var problem = ProblemDetail.forStatusAndDetail(HttpStatusCode.valueOf(status), detail(status));
        problem.setTitle(known == null ? "Error" : known.getReasonPhrase());
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }

    private static String detail(int status) {
        return switch (status) {
            case 400 -> "the request was refused: its URI or headers are not allowed here";
            case 401 -> "send an API key: Authorization: Bearer <key>";
            case 403 -> "this caller may not do this";
            case 404 -> "nothing is here";
            case 405 -> "this path does not take that method";
            case 500 -> "the request failed on the server";
            default -> {
                var known = HttpStatus.resolve(status);
                yield known == null ? "the request was refused" : known.getReasonPhrase();
            }
        };
    }
}
