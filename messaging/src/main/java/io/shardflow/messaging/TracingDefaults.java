package io.shardflow.messaging;

import java.util.HashMap;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Tracing as Shardflow documents it, whatever Boot's own defaults:
 *
 * <ul>
 *   <li>{@code management.otlp.tracing.endpoint} turns span export on, as in Spring Boot 3: Boot 4 reads only
 *       {@code management.opentelemetry.tracing.export.otlp.endpoint}, so the one is copied to the other.
 *   <li>Every job is sampled when spans leave the process, none when they do not: recording spans that no one
 *       receives costs each job processor time for nothing, while the context (and the {@code traceId} in log
 *       lines) flows either way. {@code management.tracing.sampling.probability} set anywhere wins.
 * </ul>
 */
class TracingDefaults implements EnvironmentPostProcessor, Ordered {
    static final String ENDPOINT = "management.otlp.tracing.endpoint";
    static final String BOOT_ENDPOINT = "management.opentelemetry.tracing.export.otlp.endpoint";
    static final String PROBABILITY = "management.tracing.sampling.probability";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        var defaults = new HashMap<String, Object>();
        String endpoint = environment.getProperty(ENDPOINT);
        boolean ours = endpoint != null && !endpoint.isBlank();
        if (ours && !environment.containsProperty(BOOT_ENDPOINT)) {
            defaults.put(BOOT_ENDPOINT, endpoint);
        }
        String boots = environment.getProperty(BOOT_ENDPOINT);
        boolean exported = ours || (boots != null && !boots.isBlank());
        if (!environment.containsProperty(PROBABILITY)) {
            defaults.put(PROBABILITY, exported ? "1.0" : "0.0");
        }
        if (!defaults.isEmpty()) {
            environment.getPropertySources().addLast(new MapPropertySource("shardflow-tracing-defaults", defaults));
        }
    }

    /** After the configuration files are read, where the settings may be. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }
}
