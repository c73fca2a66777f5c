package io.shardflow.api.dashboard;

import io.shardflow.api.errors.BrokerUnavailableException;
import io.shardflow.api.errors.NotFoundException;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.Lookup;
import io.shardflow.core.messaging.ConsumerGroups;
import io.shardflow.core.messaging.Topics;
import io.shardflow.messaging.SharedAdminClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;

/**
 * Queue health for operators: per topic, the records in it, each consumer group's lag and the recent throughput;
 * the dead-letter topics' records, to inspect and to replay onto the topic they came from.
 */
@Component
public class QueueHealth {
    static final List<String> TOPICS =
            List.of(Topics.JOB_REQUESTS, Topics.JOBS, Topics.SHARD_TASKS, Topics.SHARD_RESULTS, Topics.JOB_EVENTS);
    private static final Map<String, String> CONSUMERS = Map.of(
            Topics.JOB_REQUESTS,
            ConsumerGroups.API,
            Topics.JOBS,
            ConsumerGroups.SCHEDULER,
            Topics.SHARD_TASKS,
            ConsumerGroups.WORKERS,
            Topics.SHARD_RESULTS,
            ConsumerGroups.SCHEDULER);

    /** The group that consumes {@code topic}; null for a topic no Shardflow service consumes. */
    static @Nullable String consumerOf(String topic) {
        return CONSUMERS.get(topic);
    }

    /** How long a page waits for the broker. */
    static final Duration WAIT = Duration.ofSeconds(5);

    private final SharedAdminClient admin;
    private final KafkaTemplate<String, byte[]> kafka;
    private final Map<String, long[]> lastSample = new HashMap<>();

    public QueueHealth(SharedAdminClient admin, KafkaTemplate<String, byte[]> kafka) {
        this.admin = admin;
        this.kafka = kafka;
    }

    /** {@code group} and {@code lag} are null for a topic no Shardflow service consumes (the lifecycle events). */
    public record TopicHealth(
            String topic,
            long records,
            @Nullable String group,
            @Nullable Long lag,
            double perSecond,
            long deadLetters) {}

    public record DeadLetter(
            String topic,
            int partition,
            long offset,
            @Nullable String key,
            String exception,
            String value) {}

    /** Each topic's health; a broker that does not answer within {@link #WAIT} is a 503 that says so. */
    public synchronized List<TopicHealth> topics() throws InterruptedException {
        try {
            return sample();
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            throw unavailable(e);
        }
    }

    private List<TopicHealth> sample() throws ExecutionException, InterruptedException, TimeoutException {
        var result = new ArrayList<TopicHealth>();
        long now = System.nanoTime();
        for (var topic : TOPICS) {
            var partitions = partitions(topic);
            var ends = offsets(partitions, OffsetSpec.latest());
            long end = sum(ends);
            long start = sum(offsets(partitions, OffsetSpec.earliest()));
            var dlt = partitions(topic + Topics.DEAD_LETTER_SUFFIX);
            long dead = dlt.isEmpty()
                    ? 0
                    : sum(offsets(dlt, OffsetSpec.latest())) - sum(offsets(dlt, OffsetSpec.earliest()));
            String group = CONSUMERS.get(topic);
            Long lag = null;
            if (group != null) {
                var committed = admin().listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get(WAIT.toSeconds(), TimeUnit.SECONDS);
                long behind = 0;
                for (var p : partitions) {
                    var c = committed.get(p);
                    behind += Lookup.required(ends, p) - (c == null ? 0 : c.offset());
                }
                lag = behind;
            }
            long[] previous = lastSample.put(topic, new long[] {end, now});
            double rate = previous == null ? 0 : (end - previous[0]) / Math.max(1e-9, (now - previous[1]) / 1e9);
            result.add(new TopicHealth(topic, end - start, group, lag, rate, dead));
        }
        return result;
    }

    /**
     * The most recent records of a topic's dead-letter topic, with the exception that sent them there. Only
     * Shardflow's topics: a consumer asked for another name might have the broker create it.
     */
    public List<DeadLetter> deadLetters(String topic, int max) {
        requireKnown(topic);
        try {
            return read(topic, max);
        } catch (KafkaException e) {
            throw unavailable(e);
        }
    }

    private List<DeadLetter> read(String topic, int max) {
        var letters = new ArrayList<DeadLetter>();
        try (var consumer = consumer()) {
            var partitions = consumer.partitionsFor(topic + Topics.DEAD_LETTER_SUFFIX).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            var ends = consumer.endOffsets(partitions);
            for (var p : partitions) {
                consumer.seek(p, Math.max(0, Lookup.required(ends, p) - max));
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (System.nanoTime() < deadline && letters.size() < max) {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    var header = r.headers().lastHeader("kafka_dlt-exception-message");
                    String value = r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8);
                    letters.add(new DeadLetter(
                            r.topic(),
                            r.partition(),
                            r.offset(),
                            r.key(),
                            header == null ? "" : new String(header.value(), StandardCharsets.UTF_8),
                            value.length() > 300 ? value.substring(0, 300) + "…" : value));
                }
                if (consumer.assignment().stream().allMatch(p -> consumer.position(p) >= Lookup.required(ends, p))) {
                    break;
                }
            }
        }
        return letters;
    }

    /** Publishes a dead letter again, key and value unchanged, onto the topic it came from. */
    public void replay(String deadLetterTopic, int partition, long offset) {
        if (!deadLetterTopic.endsWith(Topics.DEAD_LETTER_SUFFIX)) {
            throw new InvalidSpecException(
                    "topic",
                    "'" + deadLetterTopic + "' is not a dead-letter topic (its name ends in "
                            + Topics.DEAD_LETTER_SUFFIX + ")");
        }
        String original = deadLetterTopic.substring(0, deadLetterTopic.length() - Topics.DEAD_LETTER_SUFFIX.length());
        requireKnown(original);
        try {
            resend(original, deadLetterTopic, partition, offset);
        } catch (KafkaException | CompletionException e) {
            throw unavailable(e);
        }
    }

    private void resend(String original, String deadLetterTopic, int partition, long offset) {
        try (var consumer = consumer()) {
            var tp = new TopicPartition(deadLetterTopic, partition);
            consumer.assign(List.of(tp));
            consumer.seek(tp, offset);
            for (var r : consumer.poll(Duration.ofSeconds(2))) {
                if (r.offset() == offset) {
                    kafka.send(new ProducerRecord<>(original, r.key(), r.value()))
                            .join();
                    return;
                }
            }
        }
        throw new NotFoundException("dead letter", deadLetterTopic + "/" + partition + "@" + offset);
    }

    private static BrokerUnavailableException unavailable(Exception e) {
        var cause = (e instanceof ExecutionException || e instanceof CompletionException) && e.getCause() != null
                ? e.getCause()
                : e;
        boolean timedOut =
                cause instanceof TimeoutException || cause instanceof org.apache.kafka.common.errors.TimeoutException;
        return new BrokerUnavailableException(
                timedOut
                        ? "the Kafka broker did not answer within " + WAIT.toSeconds() + " s; try again"
                        : "the Kafka broker refused: " + cause.getMessage(),
                cause);
    }

    private KafkaConsumer<String, byte[]> consumer() {
        var config = new HashMap<>(admin.settings());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // a page waits this long for a broker that does not answer, not Kafka's minute
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) WAIT.toMillis());
        return new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private static void requireKnown(String topic) {
        if (!TOPICS.contains(topic)) {
            throw new NotFoundException("topic", topic);
        }
    }

    /** The topic's partitions; none while it is not created yet. Any other failure is the caller's to report. */
    List<TopicPartition> partitions(String topic) throws ExecutionException, InterruptedException, TimeoutException {
        var described = admin().describeTopics(List.of(topic)).allTopicNames();
        try {
            return Lookup.required(described.get(WAIT.toSeconds(), TimeUnit.SECONDS), topic).partitions().stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return List.of();
            }
            throw e;
        }
    }

    private Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec)
            throws ExecutionException, InterruptedException, TimeoutException {
        var request = new HashMap<TopicPartition, OffsetSpec>();
        partitions.forEach(p -> request.put(p, spec));
        var result = new HashMap<TopicPartition, Long>();
        admin().listOffsets(request)
                .all()
                .get(WAIT.toSeconds(), TimeUnit.SECONDS)
                .forEach((p, info) -> result.put(p, info.offset()));
        return result;
    }

    private static long sum(Map<TopicPartition, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }

    private AdminClient admin() {
        return admin.get();
    }
}
