package io.shardflow.api.dashboard;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.shardflow.core.Fresh;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Each consumer group's lag and each topic's dead letters, as the broker tells them (committed offsets against the
 * ends of the partitions): unlike the Kafka clients' own meters, the lag is still reported when every consumer of a
 * group is gone, which is when it matters. The broker is asked at most once per {@link #FRESH}, however often it is
 * scraped; while it does not answer, the gauges say NaN. Every API reports the same figures: take their max.
 */
@Component
class QueueLagMeters implements MeterBinder {
    static final Duration FRESH = Duration.ofSeconds(10);

    private final Fresh<Map<String, QueueHealth.TopicHealth>> latest;

    QueueLagMeters(QueueHealth queues) {
        this.latest = new Fresh<>(FRESH, Clock.systemUTC(), () -> sample(queues));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (String topic : QueueHealth.TOPICS) {
            String group = QueueHealth.consumerOf(topic);
            if (group != null) {
                Gauge.builder("shardflow.kafka.consumer.lag", this, m -> m.read(topic, t -> nonNull(t.lag())))
                        .description("Records of the topic its consumer group has not committed yet")
                        .tags("topic", topic, "group", group)
                        .register(registry);
            }
            Gauge.builder("shardflow.kafka.dead.letters", this, m -> m.read(topic, t -> t.deadLetters()))
                    .description("Records on the topic's dead-letter topic")
                    .tag("topic", topic)
                    .register(registry);
        }
    }

    private static double nonNull(@Nullable Long value) {
        return value == null ? Double.NaN : value;
    }

    private double read(String topic, ToDoubleFunction<QueueHealth.TopicHealth> figure) {
        try {
            var health = latest.get().get(topic);
            return health == null ? Double.NaN : figure.applyAsDouble(health);
        } catch (RuntimeException e) {
            return Double.NaN; // the broker did not answer in time
        }
    }

    private static Map<String, QueueHealth.TopicHealth> sample(QueueHealth queues) {
        try {
            return queues.topics().stream().collect(Collectors.toMap(QueueHealth.TopicHealth::topic, t -> t));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking the broker", e);
        }
    }
}
