package io.shardflow.worker;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.scheduling.annotation.EnableScheduling;

/** A worker process: compute lanes that consume shard tasks. Several may run; they share the work through Kafka. */
@SpringBootApplication
@EnableScheduling
@EnableConfigurationProperties(WorkerSettings.class)
public class WorkerApplication {
    public static void main(String[] args) {
        new SpringApplication(WorkerApplication.class).run(args);
    }
}
