package io.shardflow.messaging;

import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/** UP while a broker answers a cluster description within two seconds. */
class KafkaBrokerHealthIndicator extends AbstractHealthIndicator {
    private final SharedAdminClient admin;

    KafkaBrokerHealthIndicator(SharedAdminClient admin) {
        super("Kafka broker health check failed");
        this.admin = admin;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) throws Exception {
        var cluster = admin.get().describeCluster(new DescribeClusterOptions().timeoutMs(2_000));
        int nodes = cluster.nodes().get(3, TimeUnit.SECONDS).size();
        builder.up()
                .withDetail("clusterId", cluster.clusterId().get(3, TimeUnit.SECONDS))
                .withDetail("nodes", nodes);
    }
}
