package io.shardflow.worker.lanes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyLong;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doNothing;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.shardflow.db.MutableClock;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.workers.WorkerRegistry;
import io.shardflow.worker.WorkerSettings;
import io.shardflow.worker.compute.ComputeEngine;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.util.unit.DataSize;

/**
 * A heartbeat that keeps failing (the database is away) logs its first failure with the stack trace, then at most a
 * line a minute, and one line when it recovers: not a stack trace every two seconds.
 */
class HeartbeatTest {
    private final WorkerRegistry registry = mock(WorkerRegistry.class);
    private final ShardExecutor executor = mock(ShardExecutor.class);
    private final MutableClock clock = MutableClock.frozen();
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private Heartbeat heartbeat;

    @BeforeEach
    void heartbeat() {
        var settings = new WorkerSettings(
                "worker-1",
                2,
                "cpu",
                1,
                8192,
                Duration.ofMillis(200),
                Duration.ofSeconds(2),
                Duration.ofSeconds(30),
                Duration.ofSeconds(20),
                DataSize.ofMegabytes(64),
                DataSize.ofMegabytes(64),
                DataSize.ofBytes(0),
                new WorkerSettings.Generation(64, 1024));
        heartbeat = new Heartbeat(
                new WorkerIdentity("worker-1", "host"),
                settings,
                registry,
                mock(ShardRepository.class),
                executor,
                mock(Lanes.class),
                mock(ComputeEngine.class),
                new ProcessStats(Set::of),
                clock);
        when(executor.inFlight()).thenReturn(Set.of());
        logged.start();
        logger().addAppender(logged);
    }

    @AfterEach
    void detach() {
        logger().detachAppender(logged);
    }

    private static Logger logger() {
        return (Logger) LoggerFactory.getLogger(Heartbeat.class);
    }

    private void registryDown(boolean down) {
        if (down) {
            doThrow(new DataAccessResourceFailureException("connection refused"))
                    .when(registry)
                    .heartbeat(anyString(), anyString(), anyInt(), anyInt(), any(), anyLong(), any(), any());
        } else {
            doNothing()
                    .when(registry)
                    .heartbeat(anyString(), anyString(), anyInt(), anyInt(), any(), anyLong(), any(), any());
        }
    }

    @Test
    void aRunOfFailuresLogsTheFirstWithItsStackThenOnceAMinuteThenTheRecovery() {
        registryDown(true);
        // two and a half minutes of failed beats, one every two seconds
        for (int i = 0; i < 75; i++) {
            heartbeat.beat();
            clock.advance(Duration.ofSeconds(2));
        }
        registryDown(false);
        heartbeat.beat();

        var events = logged.list;
        assertThat(events).hasSize(4);
        assertThat(events.get(0).getLevel()).isEqualTo(Level.WARN);
        assertThat(events.get(0).getThrowableProxy()).isNotNull();
        assertThat(events.get(0).getThrowableProxy().getClassName())
                .isEqualTo(DataAccessResourceFailureException.class.getName());
        for (var repeat : events.subList(1, 3)) {
            assertThat(repeat.getLevel()).isEqualTo(Level.WARN);
            assertThat(repeat.getThrowableProxy()).isNull();
            assertThat(repeat.getFormattedMessage()).contains("still failing").contains("connection refused");
        }
        assertThat(events.get(3).getLevel()).isEqualTo(Level.INFO);
        assertThat(events.get(3).getFormattedMessage()).contains("recovered after 75 failed attempt(s)");
        assertThat(heartbeat.lastBeat()).isEqualTo(clock.instant());
    }

    @Test
    void aFailureAfterARecoveryIsLoggedWithItsStackAgain() {
        registryDown(true);
        heartbeat.beat();
        registryDown(false);
        heartbeat.beat();
        clock.advance(Duration.ofSeconds(2));
        registryDown(true);
        heartbeat.beat();

        assertThat(logged.list).hasSize(3);
        assertThat(logged.list.get(2).getThrowableProxy()).isNotNull();
    }
}
