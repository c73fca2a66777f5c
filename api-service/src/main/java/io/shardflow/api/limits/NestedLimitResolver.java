package io.shardflow.api.limits;

import io.shardflow.api.errors.LimitExceededException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * A {@link LimitExceededException} that comes wrapped (a body limit hit while Jackson reads, which makes it a
 * "JSON parse error", or a limit hit inside a record's constructor) is answered as itself: this resolver runs
 * before the others and hands them the limit's exception instead of its wrapper.
 */
@Configuration(proxyBeanMethods = false)
class NestedLimitResolver implements WebMvcConfigurer {

    @Override
    public void extendHandlerExceptionResolvers(List<HandlerExceptionResolver> resolvers) {
        var others = List.copyOf(resolvers);
        resolvers.addFirst(new HandlerExceptionResolver() {
            @Override
            public @Nullable ModelAndView resolveException(
                    HttpServletRequest request, HttpServletResponse response, @Nullable Object handler, Exception e) {
                var limit = nested(e);
                if (limit == null) {
                    return null;
                }
                for (var resolver : others) {
                    var view = resolver.resolveException(request, response, handler, limit);
                    if (view != null) {
                        return view;
                    }
                }
                return null;
            }
        });
    }

    /** The limit exception under {@code e}'s causes; null when there is none, or when {@code e} is one itself. */
    private static @Nullable LimitExceededException nested(Throwable e) {
        int depth = 0;
        for (Throwable t = e.getCause(); t != null && depth++ < 32; t = t.getCause()) {
            if (t instanceof LimitExceededException limit) {
                return limit;
            }
        }
        return null;
    }
}
