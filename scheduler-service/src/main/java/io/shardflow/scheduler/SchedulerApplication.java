package io.shardflow.scheduler;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The scheduler: plans jobs into shards, dispatches them, sweeps expired leases, and aggregates partials. */
@SpringBootApplication
@EnableScheduling
@EnableConfigurationProperties(SchedulerSettings.class)
public class SchedulerApplication {
    public static void main(String[] args) {
        new SpringApplication(SchedulerApplication.class).run(args);
    }
}
