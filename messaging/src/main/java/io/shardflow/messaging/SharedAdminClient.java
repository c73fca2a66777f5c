package io.shardflow.messaging;

import java.time.Duration;
import org.apache.kafka.clients.admin.AdminClient;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.kafka.core.KafkaAdmin;

/** One Kafka admin client per process, made on first use with the application's Kafka settings. */
public class SharedAdminClient implements DisposableBean {
    private final KafkaAdmin kafkaAdmin;
    private AdminClient admin;

    public SharedAdminClient(KafkaAdmin kafkaAdmin) {
        this.kafkaAdmin = kafkaAdmin;
    }

    public synchronized AdminClient get() {
        if (admin == null) {
            admin = AdminClient.create(kafkaAdmin.getConfigurationProperties());
        }
        return admin;
    }

    /** The connection settings, for clients that are not admin clients. */
    public java.util.Map<String, Object> settings() {
        return kafkaAdmin.getConfigurationProperties();
    }

    @Override
    public synchronized void destroy() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }
}
