package io.shardflow.api.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Optional;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;

/**
 * The {@link Caller} of the current request, with the tenant it acts for: its key's, or for an OPERATOR or ADMIN the
 * one named in {@code X-Tenant}. A SUBMITTER naming another tenant there is refused, not silently ignored.
 */
@Component
public class Callers {
    public static final String ON_BEHALF_HEADER = "X-Tenant";

    private static final String RESOLVED = Callers.class.getName() + ".caller";

    private final Audit audit;

    public Callers(Audit audit) {
        this.audit = audit;
    }

    public Caller of(HttpServletRequest request) {
        if (request.getAttribute(RESOLVED) instanceof Caller resolved) {
            return resolved;
        }
        var caller = resolve(request);
        request.setAttribute(RESOLVED, caller);
        return caller;
    }

    private Caller resolve(HttpServletRequest request) {
        var caller = authenticated();
        var named = request.getHeader(ON_BEHALF_HEADER);
        if (named == null || named.isBlank() || named.strip().equals(caller.tenant())) {
            return caller;
        }
        if (!caller.has(Role.OPERATOR)) {
            throw new AccessDeniedException(
                    ON_BEHALF_HEADER + " acts for another tenant, which only OPERATOR and ADMIN keys may do");
        }
        if (!ApiKeys.TENANT.matcher(named.strip()).matches()) {
            throw new AccessDeniedException(ON_BEHALF_HEADER + " names no valid tenant");
        }
        var acting = caller.actingFor(named.strip());
        // every act on another tenant's behalf is on record, reads included
        audit.record(acting, "on-behalf", acting.tenant(), request.getMethod() + " " + request.getRequestURI(), null);
        return acting;
    }

    /** The authenticated caller; the security filters guarantee there is one wherever this is called. */
    public static Caller authenticated() {
        return current().orElseThrow(() -> new AccessDeniedException("no authenticated caller"));
    }

    /** The authenticated caller, if the request has one (an open path, such as health, has none). */
    public static Optional<Caller> current() {
        var authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication != null && authentication.getPrincipal() instanceof Caller caller) {
            return Optional.of(caller);
        }
        if (authentication != null && authentication.getPrincipal() instanceof CallerPrincipal principal) {
            return Optional.of(principal.caller());
        }
        return Optional.empty();
    }
}
