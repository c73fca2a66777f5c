package io.shardflow.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.worker.lanes.Heartbeat;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanExpressionContext;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Scheduled;

/** The heartbeat's period comes from {@link WorkerSettings}, default included, as Spring evaluates it. */
class WorkerSettingsTest {
    private final ApplicationContextRunner runner =
            new ApplicationContextRunner().withUserConfiguration(Settings.class);

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(WorkerSettings.class)
    static class Settings {}

    private static Object heartbeatDelay(AssertableApplicationContext context) throws NoSuchMethodException {
        var expression =
                Heartbeat.class.getMethod("beat").getAnnotation(Scheduled.class).fixedDelayString();
        var factory = context.getSourceApplicationContext().getBeanFactory();
        return factory.getBeanExpressionResolver()
                .evaluate(factory.resolveEmbeddedValue(expression), new BeanExpressionContext(factory, null));
    }

    @Test
    void theHeartbeatReadsTheRecordsDefault() {
        runner.run(context -> {
            assertThat(context).hasBean(WorkerSettings.BEAN);
            assertThat(heartbeatDelay(context)).isEqualTo(2_000L);
        });
    }

    @Test
    void theHeartbeatReadsTheConfiguredInterval() {
        runner.withPropertyValues("shardflow.worker.heartbeat-interval=500ms")
                .run(context -> assertThat(heartbeatDelay(context)).isEqualTo(500L));
    }
}
