package io.shardflow.api.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Set;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/** With {@code shardflow.security.enabled=false}: every request acts as an ADMIN of tenant {@code default}. */
class LocalAdmin extends OncePerRequestFilter {
    static final Caller CALLER = Caller.of("local", "local admin (security off)", "default", Set.of(Role.ADMIN));

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (SecurityContextHolder.getContext().getAuthentication() == null) {
            var context = SecurityContextHolder.createEmptyContext();
            context.setAuthentication(new CallerAuthentication(CALLER));
            SecurityContextHolder.setContext(context);
        }
        chain.doFilter(request, response);
    }
}
