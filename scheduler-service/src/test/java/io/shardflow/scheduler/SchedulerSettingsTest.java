package io.shardflow.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.scheduler.aggregation.Aggregator;
import io.shardflow.scheduler.leases.JobReconciler;
import io.shardflow.scheduler.leases.LeaseSweeper;
import io.shardflow.scheduler.planning.JobPlanner;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanExpressionContext;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * The listeners' concurrency and the background intervals come from {@link SchedulerSettings}, defaults included:
 * the annotations' expressions are evaluated here as Spring evaluates them, against the bound record.
 */
class SchedulerSettingsTest {
    private final ApplicationContextRunner runner =
            new ApplicationContextRunner().withUserConfiguration(Settings.class);

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(SchedulerSettings.class)
    static class Settings {}

    private static Object evaluate(AssertableApplicationContext context, String expression) {
        var factory = context.getSourceApplicationContext().getBeanFactory();
        return factory.getBeanExpressionResolver()
                .evaluate(factory.resolveEmbeddedValue(expression), new BeanExpressionContext(factory, null));
    }

    private static String concurrency(Class<?> listener, String method) throws NoSuchMethodException {
        return listener.getMethod(method, ConsumerRecord.class)
                .getAnnotation(KafkaListener.class)
                .concurrency();
    }

    private static String fixedDelay(Class<?> task, String method) throws NoSuchMethodException {
        return task.getMethod(method).getAnnotation(Scheduled.class).fixedDelayString();
    }

    @Test
    void theAnnotationsReadTheRecordsDefaults() {
        runner.run(context -> {
            assertThat(context).hasBean(SchedulerSettings.BEAN);
            assertThat(evaluate(context, concurrency(JobPlanner.class, "onJobSubmitted")))
                    .isEqualTo(2);
            assertThat(evaluate(context, concurrency(Aggregator.class, "onShardCompleted")))
                    .isEqualTo(2);
            assertThat(evaluate(context, fixedDelay(LeaseSweeper.class, "sweep")))
                    .isEqualTo(1_000L);
            assertThat(evaluate(context, fixedDelay(JobReconciler.class, "reconcile")))
                    .isEqualTo(10_000L);
        });
    }

    @Test
    void theAnnotationsReadTheConfiguredSettings() {
        runner.withPropertyValues(
                        "shardflow.scheduler.listener-concurrency=4",
                        "shardflow.scheduler.sweep-interval=250ms",
                        "shardflow.scheduler.reconcile-interval=1m")
                .run(context -> {
                    assertThat(evaluate(context, concurrency(JobPlanner.class, "onJobSubmitted")))
                            .isEqualTo(4);
                    assertThat(evaluate(context, fixedDelay(LeaseSweeper.class, "sweep")))
                            .isEqualTo(250L);
                    assertThat(evaluate(context, fixedDelay(JobReconciler.class, "reconcile")))
                            .isEqualTo(60_000L);
                });
    }

    @Test
    void aListenerConcurrencyBelowOneIsRefused() {
        runner.withPropertyValues("shardflow.scheduler.listener-concurrency=0")
                .run(context ->
                        assertThat(context).getFailure().rootCause().hasMessageContaining("listenerConcurrency"));
    }
}
