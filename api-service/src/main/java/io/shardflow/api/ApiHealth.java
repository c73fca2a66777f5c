package io.shardflow.api;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.stereotype.Component;

/** UP once the web server listens (the intake's outbox and the database have their own indicators). */
@Component("apiHealthIndicator")
class ApiHealth implements HealthIndicator {
    private final ApplicationContext context;

    ApiHealth(ApplicationContext context) {
        this.context = context;
    }

    @Override
    public Health health() {
        if (context instanceof WebServerApplicationContext web
                && web.getWebServer() != null
                && web.getWebServer().getPort() > 0) {
            return Health.up().withDetail("port", web.getWebServer().getPort()).build();
        }
        return Health.down().withDetail("reason", "web server not started").build();
    }
}
