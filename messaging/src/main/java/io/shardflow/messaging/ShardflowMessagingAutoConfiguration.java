package io.shardflow.messaging;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import io.shardflow.core.messaging.Topics;
import io.shardflow.db.ShardflowStorageAutoConfiguration;
import io.shardflow.db.events.JobEventLog;
import io.shardflow.db.jdbc.DatabaseUnavailable;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.db.outbox.OutboxSignal;
import io.shardflow.db.shards.Rounds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaConsumerFactoryCustomizer;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaProducerFactoryCustomizer;
import org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.config.ContainerCustomizer;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.CommonErrorHandler;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.backoff.BackOff;
import org.springframework.util.backoff.ExponentialBackOff;
import tools.jackson.core.JacksonException;

/**
 * Kafka as every Shardflow service uses it: string keys (job ids) and byte values (small JSON messages), an
 * idempotent producer, the topics, a dead-letter error handler for every listener, and the outbox relay.
 */
@AutoConfiguration(
        after = {
            KafkaAutoConfiguration.class,
            TransactionAutoConfiguration.class,
            ShardflowStorageAutoConfiguration.class
        })
@EnableConfigurationProperties({MessagingSettings.class, MetricsSettings.class})
public class ShardflowMessagingAutoConfiguration {
    /**
     * Room beyond the largest job request for what a dead letter adds to it (the exception's message and stack trace
     * in headers): a request just under the limit that fails still fits on {@code shardflow.job-requests.DLT}, and
     * the producer sends it, instead of refusing it and leaving the consumer retrying it.
     */
    static final int DEAD_LETTER_HEADROOM = 256 * 1024;

    @Bean
    DefaultKafkaProducerFactoryCustomizer shardflowProducerSettings(MessagingSettings settings) {
        return factory -> factory.updateConfigs(Map.of(
                // Kafka's default (1 MB), or what a dead-lettered job request needs
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                Math.max(1024 * 1024, deadLetterBytes(settings)),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                ByteArraySerializer.class,
                ProducerConfig.ACKS_CONFIG,
                "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                true,
                // fail a send fast while the broker is away; the outbox keeps the message and retries
                ProducerConfig.MAX_BLOCK_MS_CONFIG,
                5_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                5_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
                9_000,
                ProducerConfig.LINGER_MS_CONFIG,
                0));
    }

    @Bean
    DefaultKafkaConsumerFactoryCustomizer shardflowConsumerSettings(MessagingSettings settings) {
        int session = (int) settings.sessionTimeout().toMillis();
        return factory -> factory.updateConfigs(Map.of(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false,
                // Kafka's default (45 s) is how long a killed process's partitions would sit unread
                ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
                session,
                ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
                Math.max(1, session / 3)));
    }

    /**
     * A listener's records are timed by its observation ({@code spring.kafka.listener} by consumer group, topic and
     * listener). Spring Kafka's older timer of the same name, with other tags, stays off: a batch listener (which has
     * no record observations) would otherwise register it first, and Prometheus refuses the observations' timers
     * beside it.
     */
    @Bean
    ContainerCustomizer<Object, Object, ConcurrentMessageListenerContainer<Object, Object>> shardflowListenerTimers() {
        return container -> {
            var properties = container.getContainerProperties();
            if (properties.isObservationEnabled()) {
                properties.setMicrometerEnabled(false);
            }
        };
    }

    @Bean
    KafkaAdmin.NewTopics shardflowTopics(MessagingSettings settings) {
        var topics = new ArrayList<NewTopic>();
        for (var name : List.of(
                Topics.JOBS, Topics.SHARD_TASKS, Topics.SHARD_RESULTS, Topics.JOB_EVENTS, Topics.JOB_REQUESTS)) {
            int partitions = name.equals(Topics.SHARD_TASKS) ? settings.laneSlots() : settings.partitions();
            var topic = new NewTopic(name, partitions, settings.replicationFactor());
            if (name.equals(Topics.JOB_REQUESTS)) {
                // what pipelines may publish, said explicitly rather than left to the broker's default; set when the
                // topic is made (an existing topic keeps its own: kafka-configs.sh --alter changes it)
                topic.configs(
                        Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(settings.maxRequestBytes())));
            }
            topics.add(topic);
            var deadLetters = new NewTopic(name + Topics.DEAD_LETTER_SUFFIX, 1, settings.replicationFactor());
            if (name.equals(Topics.JOB_REQUESTS)) {
                deadLetters.configs(
                        Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(deadLetterBytes(settings))));
            }
            topics.add(deadLetters);
        }
        return new KafkaAdmin.NewTopics(topics.toArray(NewTopic[]::new));
    }

    /** The largest dead letter of a job request: the request, and its exception's headers. */
    static int deadLetterBytes(MessagingSettings settings) {
        return (int) Math.min(Integer.MAX_VALUE, (long) settings.maxRequestBytes() + DEAD_LETTER_HEADROOM);
    }

    /**
     * Bounded retries with backoff, then the record goes to {@code <topic>.DLT} with the exception in its headers
     * and the consumer moves on. Records that cannot be parsed are not retried. A record that failed because the
     * database could not be reached is tried again every few seconds for {@link #DATABASE_AWAY} instead: it will
     * succeed once the database is back, and the job goes on at once rather than waiting for the reconciler.
     */
    @Bean
    CommonErrorHandler shardflowErrorHandler(KafkaTemplate<String, byte[]> kafka) {
        var recoverer = new DeadLetterPublishingRecoverer(
                kafka, (record, e) -> new TopicPartition(record.topic() + Topics.DEAD_LETTER_SUFFIX, -1));
        var backOff = new ExponentialBackOff(200, 2.0);
        backOff.setMaxAttempts(3);
        var handler = new DefaultErrorHandler(recoverer, backOff);
        handler.addNotRetryableExceptions(JacksonException.class, IllegalArgumentException.class);
        handler.setBackOffFunction((record, e) -> DatabaseUnavailable.causes(e) ? whileTheDatabaseIsAway() : null);
        return handler;
    }

    /** How long a record that needs the database is tried again while it cannot be reached. */
    static final Duration DATABASE_AWAY = Duration.ofMinutes(10);

    private static BackOff whileTheDatabaseIsAway() {
        var backOff = new ExponentialBackOff(500, 2.0);
        backOff.setMaxInterval(5_000);
        backOff.setMaxElapsedTime(DATABASE_AWAY.toMillis());
        return backOff;
    }

    @Bean
    OutboxSignal outboxSignal() {
        return new OutboxSignal();
    }

    @Bean
    Outbox outbox(JdbcClient jdbc, OutboxSignal signal, JobTracing tracing) {
        return new Outbox(jdbc, signal, tracing);
    }

    /** Spans of a job's trace where no listener or request carries it, and the context rows keep (off untraced). */
    @Bean
    JobTracing jobTracing(ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
        var t = tracer.getIfAvailable();
        var p = propagator.getIfAvailable();
        return t == null || p == null ? JobTracing.off() : new JobTracing(t, p);
    }

    @Bean
    OutboxRelay outboxRelay(
            JdbcClient jdbc,
            TransactionTemplate tx,
            KafkaTemplate<String, byte[]> kafka,
            OutboxSignal signal,
            MessagingSettings settings,
            MeterRegistry registry) {
        return new OutboxRelay(jdbc, tx, kafka, signal, settings, registry);
    }

    @Bean
    JobEventPublisher jobEventPublisher(
            JobEventLog log,
            Outbox outbox,
            @Value("${spring.application.name:shardflow}") String application,
            ApplicationEventPublisher local,
            JobMeters meters,
            JobTracing tracing) {
        return new JobEventPublisher(log, outbox, "/shardflow/" + application, local, meters, tracing);
    }

    @Bean
    JobMeters jobMeters(MeterRegistry registry) {
        return new JobMeters(registry);
    }

    @Bean
    ScrapeToken scrapeToken(MetricsSettings settings) {
        return new ScrapeToken(settings);
    }

    /** A service without Spring Security (the scheduler, the worker) lets only the scrape token read its meters. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
    @ConditionalOnMissingClass("org.springframework.security.web.SecurityFilterChain")
    static class ScrapeAccess {
        @Bean
        FilterRegistrationBean<ScrapeAccessFilter> scrapeAccessFilter(ScrapeToken token) {
            var registration = new FilterRegistrationBean<>(new ScrapeAccessFilter(token));
            registration.addUrlPatterns(ScrapeToken.PATH, ScrapeToken.PATH + "/*");
            return registration;
        }
    }

    @Bean
    OneRoundEnd oneRoundEnd(JobRepository jobs, Rounds rounds, JobEventPublisher events) {
        return new OneRoundEnd(jobs, rounds, events);
    }

    @Bean
    SharedAdminClient sharedAdminClient(KafkaAdmin admin) {
        return new SharedAdminClient(admin);
    }

    @Bean
    HealthIndicator kafkaHealthIndicator(SharedAdminClient admin) {
        return new KafkaBrokerHealthIndicator(admin);
    }

    @Bean
    HealthIndicator outboxHealthIndicator(OutboxRelay relay) {
        return () -> relay.isRunning() && relay.isHealthy()
                ? Health.up().build()
                : Health.down()
                        .withDetail("reason", relay.isRunning() ? "the last publish failed" : "not started")
                        .build();
    }
}
