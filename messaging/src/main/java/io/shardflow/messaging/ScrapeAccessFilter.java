package io.shardflow.messaging;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Guards {@code /actuator/prometheus} on a service without Spring Security (the scheduler, the worker): only a
 * request that carries the scrape token reads it; any other gets a 401 problem that says what is needed.
 */
class ScrapeAccessFilter extends OncePerRequestFilter {
    private final ScrapeToken token;

    ScrapeAccessFilter(ScrapeToken token) {
        this.token = token;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (token.authorizes(request.getHeader(HttpHeaders.AUTHORIZATION))) {
            chain.doFilter(request, response);
            return;
        }
        String detail = token.configured()
                ? "send the scrape token (shardflow.metrics.scrape-token) as Authorization: Bearer <token>"
                : "this service's meters are read with a scrape token, and shardflow.metrics.scrape-token is not set";
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.getOutputStream()
                .write(("{\"type\":\"about:blank\",\"title\":\"Unauthorized\",\"status\":401,\"detail\":\"" + detail
                                + "\",\"instance\":\"" + ScrapeToken.PATH + "\"}")
                        .getBytes(StandardCharsets.UTF_8));
    }
}
