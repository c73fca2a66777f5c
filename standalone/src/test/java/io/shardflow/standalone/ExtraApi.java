package io.shardflow.standalone;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

/**
 * One more API on a platform's PostgreSQL and broker, in this JVM, with settings of its own (smaller bounds, say):
 * its calls are planned and computed by the platform's scheduler and workers, as a second API process's would be. It
 * starts in seconds, without servers of its own.
 */
final class ExtraApi implements AutoCloseable {
    private final ShardflowStandalone platform;
    private final ShardflowStandalone api;

    private ExtraApi(ShardflowStandalone platform, ShardflowStandalone api) {
        this.platform = platform;
        this.api = api;
    }

    static ExtraApi start(ShardflowStandalone platform, String... settings) {
        var connection = platform.connection();
        var arguments = new ArrayList<>(List.of(
                "--shardflow.data-dir=" + TestPlatform.tempDirectory(),
                "--shardflow.standalone.services=api",
                "--server.port=0",
                "--spring.main.banner-mode=off",
                "--spring.datasource.url=" + connection.jdbcUrl(),
                "--spring.datasource.username=" + connection.username(),
                "--spring.datasource.password=" + connection.password(),
                "--spring.kafka.bootstrap-servers=" + connection.bootstrapServers()));
        connection.kafkaClient().forEach((name, value) -> arguments.add("--" + name + "=" + value));
        arguments.addAll(List.of(settings));
        var api = ShardflowStandalone.start(
                List.of(context -> ((GenericApplicationContext) context)
                        .registerBean("clock", Clock.class, () -> TestPlatform.CLOCK)),
                arguments.toArray(String[]::new));
        return new ExtraApi(platform, api);
    }

    /** This API as {@code key}. */
    Api as(String key) {
        return new Api(base(), key);
    }

    /** This API as the platform's ADMIN key. */
    Api admin() {
        return as(TestPlatform.adminKey(platform.connectionFile().getParent()));
    }

    String base() {
        int port = ((WebServerApplicationContext) api.context()).getWebServer().getPort();
        return "http://127.0.0.1:" + port;
    }

    <T> T bean(Class<T> type) {
        return api.context().getBean(type);
    }

    @Override
    public void close() {
        api.close();
    }
}
