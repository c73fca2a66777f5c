package io.shardflow.api;

import io.shardflow.api.limits.LimitSettings;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The API service: intake, datasets, models, results and the dashboard. Stateless; run as many as needed. */
@SpringBootApplication
@EnableScheduling
@EnableConfigurationProperties({ApiSettings.class, LimitSettings.class})
public class ApiApplication {
    public static void main(String[] args) {
        new SpringApplication(ApiApplication.class).run(args);
    }
}
