package io.shardflow.api.ratelimit;

import io.shardflow.api.security.Callers;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Counts every REST call against its caller's bucket before the handler runs, after Spring Security has said who
 * the caller is (its filters run before any interceptor). A refusal is thrown, so it is answered like every other
 * error, as problem+json.
 */
class RateLimitInterceptor implements HandlerInterceptor {
    private final RateLimits limits;

    RateLimitInterceptor(RateLimits limits) {
        this.limits = limits;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        // a request's later dispatches (async, error) are the same request: counted once
        if (request.getDispatcherType() == DispatcherType.REQUEST) {
            Callers.current().ifPresent(caller -> limits.take(caller.id()));
        }
        return true;
    }
}
