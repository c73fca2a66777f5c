package io.shardflow.api.security;

import io.shardflow.messaging.ScrapeToken;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.web.BearerTokenResolver;
import org.springframework.security.oauth2.server.resource.web.DefaultBearerTokenResolver;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Lets Prometheus read {@code /actuator/prometheus} with the scrape token ({@code shardflow.metrics.scrape-token}):
 * such a request is the caller {@code prometheus} with the single authority {@link #AUTHORITY}, which opens that path
 * and nothing else. Its token is no API key, so the bearer-token filter is told to leave it alone.
 */
final class ScrapeAccess extends OncePerRequestFilter implements BearerTokenResolver {
    /** The role of a request that carries the scrape token. */
    static final String ROLE = "METRICS";

    private static final String AUTHORITY = "ROLE_" + ROLE;

    private final ScrapeToken token;
    private final DefaultBearerTokenResolver bearer = new DefaultBearerTokenResolver();

    ScrapeAccess(ScrapeToken token) {
        this.token = token;
    }

    private boolean scrapes(HttpServletRequest request) {
        return ScrapeToken.PATH.equals(request.getRequestURI()
                        .substring(request.getContextPath().length()))
                && token.authorizes(request.getHeader(HttpHeaders.AUTHORIZATION));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (scrapes(request)) {
            var context = SecurityContextHolder.createEmptyContext();
            context.setAuthentication(UsernamePasswordAuthenticationToken.authenticated(
                    "prometheus", null, List.of(new SimpleGrantedAuthority(AUTHORITY))));
            SecurityContextHolder.setContext(context);
        }
        chain.doFilter(request, response);
    }

    @Override
    public @Nullable String resolve(HttpServletRequest request) {
        return scrapes(request) ? null : bearer.resolve(request);
    }
}
