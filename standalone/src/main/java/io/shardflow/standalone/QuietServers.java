package io.shardflow.standalone;

import java.util.List;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.core.env.Environment;

/**
 * The embedded PostgreSQL and Kafka broker start before Spring Boot configures logging, when every logger still says
 * everything: about 1,200 lines of initdb output, broker state changes and configuration dumps. Their loggers say
 * only warnings and errors from the start, as they do once the services run ({@code shardflow-defaults.yml}), unless
 * {@code logging.level.<logger>} asks for more.
 */
final class QuietServers {
    /** The loggers of the embedded servers. */
    static final List<String> LOGGERS = List.of("kafka", "org.apache.kafka", "state.change.logger", "io.zonky");

    private QuietServers() {}

    static void apply(Environment env) {
        var logging = LoggingSystem.get(QuietServers.class.getClassLoader());
        for (String logger : LOGGERS) {
            String asked = env.getProperty("logging.level." + logger);
            logging.setLogLevel(
                    logger,
                    asked == null
                            ? LogLevel.WARN
                            : LogLevel.valueOf(asked.trim().toUpperCase()));
        }
    }
}
