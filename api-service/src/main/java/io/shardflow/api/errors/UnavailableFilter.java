package io.shardflow.api.errors;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * The 503 of {@link Unavailable} for what fails before a controller runs: signing a caller in reads its API key or
 * session from the database. Runs outside Spring Security's filter chain (order -100), whose failures it catches.
 */
@Component
@Order(-101)
public class UnavailableFilter extends OncePerRequestFilter {
    private static final Logger log = LoggerFactory.getLogger(UnavailableFilter.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        } catch (RuntimeException | ServletException e) {
            if (!Unavailable.database(e) || response.isCommitted()) {
                throw e;
            }
            log.warn(
                    "{} {}: the database cannot be reached: {}",
                    request.getMethod(),
                    request.getRequestURI(),
                    e.toString());
            var problem = Unavailable.databaseProblem();
            var body = new LinkedHashMap<String, Object>();
            body.put("type", Unavailable.DATABASE.toString());
            body.put("title", problem.getTitle());
            body.put("status", problem.getStatus());
            body.put("detail", problem.getDetail());
            body.put("instance", request.getRequestURI());
            body.put("retryAfterSeconds", Unavailable.RETRY_AFTER.toSeconds());
            response.resetBuffer();
            response.setStatus(problem.getStatus());
            response.setHeader(HttpHeaders.RETRY_AFTER, Unavailable.retryAfter());
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.getWriter().write(JSON.writeValueAsString(body));
        }
    }
}
