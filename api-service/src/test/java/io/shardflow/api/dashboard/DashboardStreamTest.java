package io.shardflow.api.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.api.ApiSettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.scheduling.config.IntervalTask;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;

/** The stream's broadcast runs at {@code shardflow.api.dashboard-refresh}, bound like every other API setting. */
class DashboardStreamTest {

    private static ApiSettings settings(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("shardflow.api", ApiSettings.class);
    }

    private static Duration scheduledEvery(ApiSettings settings) {
        var tasks = new ScheduledTaskRegistrar();
        new DashboardStream(null, settings).configureTasks(tasks);
        assertThat(tasks.getFixedDelayTaskList()).hasSize(1);
        IntervalTask task = tasks.getFixedDelayTaskList().getFirst();
        return task.getIntervalDuration();
    }

    @Test
    void theRefreshIsASecondByDefault() {
        assertThat(settings(Map.of()).dashboardRefresh()).isEqualTo(Duration.ofSeconds(1));
        assertThat(scheduledEvery(settings(Map.of()))).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void theBroadcastFollowsTheSetting() {
        var settings = settings(Map.of("shardflow.api.dashboard-refresh", "250ms"));

        assertThat(scheduledEvery(settings)).isEqualTo(Duration.ofMillis(250));
    }
}
