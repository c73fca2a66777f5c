package io.shardflow.standalone;

import io.shardflow.api.ApiApplication;
import io.shardflow.scheduler.SchedulerApplication;
import io.shardflow.worker.WorkerApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The services in one application context; they still talk only through Kafka and PostgreSQL.
 * {@code shardflow.standalone.services} (default {@code api,scheduler,worker}) leaves some out, so that another
 * process can run them.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({StandaloneApplication.Api.class, StandaloneApplication.Scheduler.class, StandaloneApplication.Worker.class})
public class StandaloneApplication {
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnService(StandaloneSettings.Service.API)
    @Import(ApiApplication.class)
    static class Api {}

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnService(StandaloneSettings.Service.SCHEDULER)
    @Import(SchedulerApplication.class)
    static class Scheduler {}

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnService(StandaloneSettings.Service.WORKER)
    @Import(WorkerApplication.class)
    static class Worker {}
}
