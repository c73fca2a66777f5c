package io.shardflow.messaging;

import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClient;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.kafka.core.KafkaAdmin;

/** One Kafka admin client per process, made on first use with the application's Kafka settings. */
public class SharedAdminClient implements DisposableBean {
    private final KafkaAdmin kafkaAdmin;
    private @Nullable AdminClient admin;

    public SharedAdminClient(KafkaAdmin kafkaAdmin) {
        this.kafkaAdmin = kafkaAdmin;
    }

    public synchronized AdminClient get() {
        var created = admin;
        if (created == null) {
            created = AdminClient.create(kafkaAdmin.getConfigurationProperties());
            admin = created;
        }
        return created;
    }

    /** The connection settings, for clients that are not admin clients. */
    public Map<String, Object> settings() {
        return kafkaAdmin.getConfigurationProperties();
    }

    @Override
    public synchronized void destroy() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }
}
