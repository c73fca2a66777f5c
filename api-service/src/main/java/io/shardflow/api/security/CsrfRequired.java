package io.shardflow.api.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Set;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Which requests must carry a CSRF token: the state-changing ones a browser could be tricked into sending with the
 * dashboard's session cookie. A request with an {@code Authorization} header is not one (browsers add none on their
 * own), nor one without a session cookie, which acts as nobody; the login and logout forms always are. With security
 * off every request acts as the admin, so then any request from a browser ({@code Origin} or
 * {@code Sec-Fetch-Site}) needs the token, while scripts such as curl go through.
 */
final class CsrfRequired implements RequestMatcher {
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "TRACE", "OPTIONS");

    private final boolean securityEnabled;

    CsrfRequired(boolean securityEnabled) {
        this.securityEnabled = securityEnabled;
    }

    @Override
    public boolean matches(HttpServletRequest request) {
        if (SAFE.contains(request.getMethod())) {
            return false;
        }
        var path = request.getRequestURI();
        if (path.equals("/login") || path.equals("/logout")) {
            return true;
        }
        if (request.getHeader("Authorization") != null) {
            return false;
        }
        if (!securityEnabled) {
            return request.getHeader("Origin") != null || request.getHeader("Sec-Fetch-Site") != null;
        }
        return request.getRequestedSessionId() != null;
    }
}
