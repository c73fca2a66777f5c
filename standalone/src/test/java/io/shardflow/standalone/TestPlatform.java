package io.shardflow.standalone;

import io.shardflow.db.MutableClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

/**
 * The whole platform, started once per test JVM on free ports and a fresh data folder: real PostgreSQL, real
 * Kafka, the three services. Tests share it and create their own datasets, models and jobs.
 */
final class TestPlatform {
    private static ShardflowStandalone shared;
    /** The shared platform's clock: a test that moves it moves time for everything the platform judges. */
    static final MutableClock CLOCK = new MutableClock();

    private TestPlatform() {}

    static synchronized ShardflowStandalone shared() {
        if (shared == null) {
            shared = start(tempDirectory());
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    static ShardflowStandalone start(Path dataDir) {
        return ShardflowStandalone.start(
                List.of(context ->
                        ((GenericApplicationContext) context).registerBean("clock", Clock.class, () -> CLOCK)),
                "--shardflow.data-dir=" + dataDir,
                "--server.port=0",
                "--shardflow.local.kafka-port=" + freePort(),
                "--shardflow.worker.lanes=2",
                "--shardflow.scheduler.reconcile-interval=1s",
                "--shardflow.scheduler.stall-after=3s",
                "--spring.main.banner-mode=off");
    }

    static Api api(ShardflowStandalone platform) {
        int port = ((WebServerApplicationContext) platform.context())
                .getWebServer()
                .getPort();
        return new Api("http://127.0.0.1:" + port);
    }

    static Path tempDirectory() {
        try {
            return Files.createTempDirectory("shardflow-it-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int freePort() {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
