package io.shardflow.standalone;

import io.shardflow.api.ApiApplication;
import io.shardflow.scheduler.SchedulerApplication;
import io.shardflow.worker.WorkerApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/** The three services in one application context. They still talk only through Kafka and PostgreSQL. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ApiApplication.class, SchedulerApplication.class, WorkerApplication.class})
public class StandaloneApplication {
}
