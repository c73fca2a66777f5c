package io.shardflow.scheduler.admission;

import io.shardflow.db.lanes.AdmissionSignal;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Listens on {@link AdmissionSignal#CHANNEL} with a connection of its own and wakes {@link Admission} for every
 * notice: what workers in other processes send when a lane came free. Lost notices cost at most one admission
 * interval, as admission also runs on its timer; a lost connection is opened again.
 */
public class AdmissionNotices implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(AdmissionNotices.class);
    private static final Duration RECONNECT = Duration.ofSeconds(1);

    private final DataSource dataSource;
    private final Runnable wake;
    private volatile boolean running;
    private @Nullable Thread thread;

    /** {@code wake}: what a notice does, {@link Admission#wake} in the scheduler. */
    public AdmissionNotices(DataSource dataSource, Runnable wake) {
        this.dataSource = dataSource;
        this.wake = wake;
    }

    private void loop() {
        boolean warned = false;
        while (running) {
            try (Connection connection = dataSource.getConnection()) {
                var notices = connection.unwrap(PGConnection.class);
                try (var statement = connection.createStatement()) {
                    statement.execute("listen " + AdmissionSignal.CHANNEL);
                }
                if (!connection.getAutoCommit()) {
                    connection.commit(); // a LISTEN takes effect at commit
                }
                warned = false;
                wake.run(); // anything sent while this connection was being opened
                while (running) {
                    var received = notices.getNotifications((int) RECONNECT.toMillis());
                    if (received != null && received.length > 0) {
                        wake.run();
                    }
                }
            } catch (SQLException e) {
                if (!running) {
                    return;
                }
                if (!warned) {
                    log.warn("not listening for admission notices, trying again every {}: {}", RECONNECT, e.toString());
                    warned = true;
                }
                try {
                    Thread.sleep(RECONNECT.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread =
                Thread.ofPlatform().daemon().name("shardflow-admission-notices").start(this::loop);
    }

    @Override
    public synchronized void stop() {
        running = false;
        var listening = thread;
        if (listening != null) {
            try {
                // it wakes at least once a second to look whether it should stop
                listening.join(RECONNECT.multipliedBy(3).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        thread = null;
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
