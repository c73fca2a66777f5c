package io.shardflow.messaging;

import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Kafka topics and the outbox relay.
 *
 * @param partitions partitions per Shardflow topic, but for the shard tasks'
 * @param laneSlots partitions of {@code shardflow.shard-tasks}: each lane of the fleet reads one, so the fleet's lanes
 *     beyond this number stay idle (an existing topic with fewer partitions gets more at start)
 * @param replicationFactor replicas per topic (1 for a single broker)
 * @param outboxPollInterval how often the relay looks for rows that other processes left behind
 * @param outboxBatchSize rows published per transaction
 * @param sendTimeout how long the relay waits for the broker to acknowledge a batch
 * @param sessionTimeout how long a consumer that stopped heartbeating (its process killed) keeps its partitions
 *     before the broker gives them to the rest of its group: how long the notices or requests queued there wait
 *     (worker lanes are in no group: each reads its own slot)
 * @param maxRequestSize the largest job request a pipeline may publish on {@code shardflow.job-requests}: the topic
 *     is made with it as {@code max.message.bytes}, and a larger record that arrives all the same (on a topic that
 *     allows more) is rejected with an event that names this limit
 */
@Validated
@ConfigurationProperties("shardflow.messaging")
public record MessagingSettings(
        @DefaultValue("12") @Min(1) int partitions,
        @DefaultValue("64") @Min(1) int laneSlots,
        @DefaultValue("1") @Min(1) short replicationFactor,
        @DefaultValue("500ms") Duration outboxPollInterval,
        @DefaultValue("500") @Min(1) int outboxBatchSize,
        @DefaultValue("10s") Duration sendTimeout,
        @DefaultValue("10s") Duration sessionTimeout,
        @DefaultValue("1MB") DataSize maxRequestSize) {

    /** {@link #maxRequestSize} in bytes, as Kafka's settings take it. */
    public int maxRequestBytes() {
        return (int) Math.min(Integer.MAX_VALUE, maxRequestSize.toBytes());
    }
}
