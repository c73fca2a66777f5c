package io.shardflow.api.dashboard;

import io.shardflow.api.ApiSettings;
import io.shardflow.db.events.JobEventLog;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Tells open dashboard pages that something happened to a job, as server-sent events. One query per {@code shardflow.api.dashboard-refresh} (a second) for the
 * whole server, however many pages are open; a page then reloads only the fragment it shows. A stream never ends by
 * itself, so a stopping server ends them, before the web server waits for its requests to finish (pages reconnect).
 */
@Component
public class DashboardStream implements SchedulingConfigurer, SmartLifecycle {
    private final JobEventLog events;
    private final Duration refresh;
    private final CopyOnWriteArrayList<SseEmitter> emitters = new CopyOnWriteArrayList<>();
    private volatile long seen = -1;
    private volatile boolean running;
    private volatile boolean stopped;

    public DashboardStream(JobEventLog events, ApiSettings settings) {
        this.events = events;
        this.refresh = settings.dashboardRefresh();
    }

    /** The broadcast every {@code shardflow.api.dashboard-refresh}, read from the typed settings. */
    @Override
    public void configureTasks(ScheduledTaskRegistrar tasks) {
        tasks.addFixedDelayTask(this::broadcast, refresh);
    }

    public SseEmitter subscribe() {
        var emitter = new SseEmitter(Duration.ofMinutes(30).toMillis());
        emitter.onCompletion(() -> emitters.remove(emitter));
        emitter.onTimeout(() -> emitters.remove(emitter));
        emitter.onError(e -> emitters.remove(emitter));
        emitters.add(emitter);
        if (stopped) {
            emitter.complete(); // opened while the server stops
        }
        return emitter;
    }

    /** Also after a stop: a context that is stopped and started again streams again. */
    @Override
    public void start() {
        stopped = false;
        running = true;
    }

    @Override
    public void stop() {
        stopped = true;
        running = false;
        emitters.forEach(SseEmitter::complete);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Just before the web server's graceful stop, which waits for the requests in progress. */
    @Override
    public int getPhase() {
        return WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE + 1;
    }

    void broadcast() {
        if (emitters.isEmpty()) {
            return;
        }
        long latest = events.latestId();
        if (latest == seen) {
            return;
        }
        seen = latest;
        for (var emitter : emitters) {
            try {
                emitter.send(SseEmitter.event().name("changed").data(latest));
            } catch (IOException | IllegalStateException e) {
                emitters.remove(emitter);
            }
        }
    }
}
