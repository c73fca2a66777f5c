package io.shardflow.messaging;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.shardflow.db.jdbc.AsyncCommit;
import io.shardflow.db.outbox.OutboxSignal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.AbstractMessageListenerContainer;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Publishes outbox rows to Kafka in id order and deletes them once the broker has acknowledged them. Rows are
 * locked with {@code SKIP LOCKED}, so relays in several processes share the table. While the broker is away the
 * rows stay and the relay retries with backoff: accepted work waits, it is not lost.
 */
public class OutboxRelay implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);

    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final KafkaTemplate<String, byte[]> kafka;
    private final OutboxSignal signal;
    private final MessagingSettings settings;
    private final Timer delay;
    private final Meter.MeterProvider<Counter> sent;
    private volatile boolean running;
    private volatile boolean healthy = true;
    private @Nullable Thread thread;

    public OutboxRelay(
            JdbcClient jdbc,
            TransactionTemplate tx,
            KafkaTemplate<String, byte[]> kafka,
            OutboxSignal signal,
            MessagingSettings settings,
            MeterRegistry registry) {
        this.jdbc = jdbc;
        this.tx = tx;
        this.kafka = kafka;
        this.signal = signal;
        this.settings = settings;
        this.delay = Timer.builder("shardflow.outbox.relay.delay")
                .description("From an outbox row's transaction to the broker's acknowledgement of its message")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        this.sent = Counter.builder("shardflow.outbox.published")
                .description("Messages the relay published, by topic")
                .withRegistry(registry);
        Gauge.builder("shardflow.outbox.backlog", this, OutboxRelay::backlog)
                .description("Outbox rows waiting to be published (the same table for every process)")
                .strongReference(true)
                .register(registry);
    }

    private record Row(
            long id,
            String topic,
            Integer partition,
            String key,
            byte[] payload,
            Instant createdAt,
            @Nullable String traceParent) {
        /** The message, with the trace its row was written in as its {@code traceparent} header. */
        ProducerRecord<String, byte[]> record() {
            var record = new ProducerRecord<>(topic, partition, key, payload);
            if (traceParent != null) {
                record.headers().add(JobTracing.TRACEPARENT, traceParent.getBytes(StandardCharsets.US_ASCII));
            }
            return record;
        }
    }

    /**
     * Publishes one batch; returns how many rows it published. The rows are taken and deleted in one statement, and
     * come back if the broker does not acknowledge them (the transaction rolls back). The commit does not wait for
     * the disk: should PostgreSQL lose it in a crash, the rows are there again and are sent again, which every
     * consumer already tolerates (a message may arrive twice), while nothing waits on an fsync between a commit
     * that made a message and the message on its way.
     */
    public int publishBatch() {
        Integer published = tx.execute(status -> {
            AsyncCommit.forThisTransaction(jdbc);
            List<Row> rows = jdbc.sql("""
                            delete from outbox where id in (
                                select id from outbox order by id limit ? for update skip locked)
                            returning id, topic, partition, message_key, payload, created_at, trace_parent""")
                    .param(settings.outboxBatchSize())
                    .query((rs, n) -> new Row(
                            rs.getLong(1),
                            rs.getString(2),
                            rs.getObject(3, Integer.class),
                            rs.getString(4),
                            rs.getBytes(5),
                            rs.getTimestamp(6).toInstant(),
                            rs.getString(7)))
                    .list();
            if (rows.isEmpty()) {
                return 0;
            }
            // in id order: a key's messages reach its partition in the order they were written
            rows = rows.stream().sorted(Comparator.comparingLong(Row::id)).toList();
            var sends = rows.stream().map(r -> kafka.send(r.record())).toArray(CompletableFuture[]::new);
            try {
                CompletableFuture.allOf(sends).get(settings.sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("broker did not acknowledge the outbox batch", e);
            }
            var now = Instant.now();
            for (var row : rows) {
                delay.record(Duration.between(row.createdAt(), now));
                sent.withTags("topic", row.topic()).increment();
            }
            return rows.size();
        });
        return published == null ? 0 : published;
    }

    private void loop() {
        long backoffMillis = 0;
        while (running) {
            try {
                signal.await(backoffMillis > 0 ? Duration.ofMillis(backoffMillis) : settings.outboxPollInterval());
                while (running && publishBatch() == settings.outboxBatchSize()) {
                    // a full batch: more may wait
                }
                backoffMillis = 0;
                healthy = true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                healthy = false;
                boolean first = backoffMillis == 0;
                backoffMillis = Math.min(Math.max(100, backoffMillis * 2), 5_000);
                if (first) {
                    // the stack trace once per run of failures: it says why; the retries only say it goes on
                    log.warn("outbox relay could not publish, retrying in {} ms", backoffMillis, e);
                } else {
                    log.warn("outbox relay could not publish, retrying in {} ms: {}", backoffMillis, e.getMessage());
                }
            }
        }
    }

    /** Rows waiting in the outbox, read when the gauge is; NaN while the database cannot say. */
    private double backlog() {
        try {
            return jdbc.sql("select count(*) from outbox").query(Long.class).single();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    /** False while the last attempt to publish failed (for example, the broker is down). */
    public boolean isHealthy() {
        return healthy;
    }

    @Override
    public synchronized void start() {
        running = true;
        thread = Thread.ofPlatform().daemon().name("outbox-relay").start(this::loop);
    }

    /**
     * Stops the loop, then publishes what the stopping services wrote last (a worker's final notices) once more, so
     * they need not wait for another process's relay; for at most {@code sendTimeout}, since the database or the
     * broker may be going away too.
     */
    @Override
    public synchronized void stop() {
        running = false;
        var relay = thread;
        if (relay == null) {
            return;
        }
        relay.interrupt();
        try {
            relay.join(5_000);
            var last = Thread.ofPlatform().daemon().name("outbox-relay-last").start(this::publishLeftovers);
            if (!last.join(settings.sendTimeout())) {
                log.warn("outbox relay stopped with rows left for another process to publish");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void publishLeftovers() {
        try {
            while (publishBatch() == settings.outboxBatchSize()) {
                // a full batch: more may wait
            }
        } catch (RuntimeException e) {
            log.warn("outbox relay stopped with rows left for another process to publish: {}", e.getMessage());
        }
    }

    /**
     * Below the listener containers' phase: the relay runs before any listener takes a message and keeps running
     * until every listener has stopped, so what they write while stopping is published.
     */
    @Override
    public int getPhase() {
        return AbstractMessageListenerContainer.DEFAULT_PHASE - 1000;
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
