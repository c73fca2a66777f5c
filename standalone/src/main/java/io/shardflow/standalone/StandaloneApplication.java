package io.shardflow.standalone;

import io.shardflow.api.ApiApplication;
import io.shardflow.scheduler.SchedulerApplication;
import io.shardflow.worker.WorkerApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
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
    private static final String SERVICES = "'${shardflow.standalone.services:api,scheduler,worker}'.contains";

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnExpression(SERVICES + "('api')")
    @Import(ApiApplication.class)
    static class Api {}

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnExpression(SERVICES + "('scheduler')")
    @Import(SchedulerApplication.class)
    static class Scheduler {}

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnExpression(SERVICES + "('worker')")
    @Import(WorkerApplication.class)
    static class Worker {}
}
