package io.shardflow.messaging;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * {@code management.otlp.tracing.endpoint} turns span export on, as it did in Spring Boot 3 and as Shardflow
 * documents it: Boot 4 reads only {@code management.opentelemetry.tracing.export.otlp.endpoint}, so the one is
 * copied to the other when only the first is set. Unset, spans stay in the process.
 */
class OtlpEndpointSetting implements EnvironmentPostProcessor, Ordered {
    static final String SETTING = "management.otlp.tracing.endpoint";
    static final String BOOT_SETTING = "management.opentelemetry.tracing.export.otlp.endpoint";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        String endpoint = environment.getProperty(SETTING);
        if (endpoint != null && !endpoint.isBlank() && !environment.containsProperty(BOOT_SETTING)) {
            environment.getPropertySources().addLast(new MapPropertySource(SETTING, Map.of(BOOT_SETTING, endpoint)));
        }
    }

    /** After the configuration files are read, where the setting may be. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
