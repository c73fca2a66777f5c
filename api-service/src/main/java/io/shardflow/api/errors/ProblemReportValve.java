package io.shardflow.api.errors;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.apache.coyote.http11.AbstractHttp11Protocol;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tomcat's own error answers as problem+json instead of its HTML page: what Tomcat refuses before any of the
 * application sees the request (a request line or headers too large, characters a URI may not hold, a malformed
 * request) and any error that reaches it without a body. An answer the application wrote is left alone.
 */
public class ProblemReportValve extends ErrorReportValve {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    protected void report(Request request, Response response, @Nullable Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        var ioAllowed = new AtomicBoolean(true);
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return;
        }
        var problem = new LinkedHashMap<String, Object>();
        problem.put("type", "about:blank");
        var known = HttpStatus.resolve(status);
        problem.put("title", known == null ? "Error" : known.getReasonPhrase());
        problem.put("status", status);
        problem.put("detail", detail(request, status, response.getMessage(), throwable));
        try {
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.setCharacterEncoding("UTF-8");
            var writer = response.getReporter();
            if (writer != null) {
                writer.write(JSON.writeValueAsString(problem));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the client is gone or the response is committed: nothing more can be said
        }
    }

    /** In words of our own: Tomcat's texts echo the request and name its internals. */
    static String detail(Request request, int status, @Nullable String message, @Nullable Throwable throwable) {
        String said = (String.valueOf(message) + " " + (throwable == null ? "" : throwable.getMessage()))
                .toLowerCase(Locale.ROOT);
        if (status == 400 && said.contains("too large")) {
            return "the request line and headers are larger than this server takes ("
                    + headerLimit(request)
                    + "server.max-http-request-header-size); send long values in a request body";
        }
        return switch (status) {
            case 400 -> "the request could not be read: its request line, URI or headers are malformed";
            case 404 -> "nothing is here";
            case 405 -> "this path does not take that method";
            case 413 -> "the request body is larger than this server takes";
            case 414 -> "the URI is longer than this server takes; send long values in a request body";
            case 431 -> "the request headers are larger than this server takes";
            case 500 -> "the request failed on the server";
            case 503 -> "the server cannot take requests now; try again";
            case 505 -> "only HTTP/1.1 and HTTP/2 are spoken here";
            default -> {
                var known = HttpStatus.resolve(status);
                yield known == null ? "the request was refused" : known.getReasonPhrase();
            }
        };
    }

    private static String headerLimit(Request request) {
        var connector = request.getConnector();
        if (connector != null && connector.getProtocolHandler() instanceof AbstractHttp11Protocol<?> http) {
            return "at most " + http.getMaxHttpRequestHeaderSize() + " bytes, ";
        }
        return "";
    }
}
