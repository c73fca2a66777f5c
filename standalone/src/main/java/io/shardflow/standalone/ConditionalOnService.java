package io.shardflow.standalone;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** Registers a service's configuration only when {@code shardflow.standalone.services} names the service. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Conditional(ConditionalOnService.RunsService.class)
@interface ConditionalOnService {
    StandaloneSettings.Service value();

    final class RunsService implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            var attributes = metadata.getAnnotationAttributes(ConditionalOnService.class.getName());
            var service = attributes == null ? null : (StandaloneSettings.Service) attributes.get("value");
            return service != null
                    && StandaloneSettings.of(context.getEnvironment())
                            .standalone()
                            .services()
                            .contains(service);
        }
    }
}
