package io.shardflow.api.intake;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.format.EventFormat;
import io.cloudevents.core.provider.EventFormatProvider;
import io.cloudevents.jackson.JsonFormat;
import io.cloudevents.kafka.CloudEventDeserializer;
import io.shardflow.api.jobs.JobBatchIntake;
import io.shardflow.api.json.JsonErrors;
import io.shardflow.core.Contract;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.messaging.ConsumerGroups;
import io.shardflow.core.messaging.JobRejected;
import io.shardflow.core.messaging.Topics;
import io.shardflow.db.access.IntakeBindings;
import io.shardflow.db.jdbc.DatabaseUnavailable;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.messaging.JobTracing;
import io.shardflow.messaging.MessagingSettings;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.BatchListenerFailedException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Job requests from batch pipelines: CloudEvents of type {@code io.shardflow.job.requested} on
 * {@link Topics#JOB_REQUESTS}, in binary mode ({@code ce_*} headers) or structured JSON (with or without a
 * content-type header), whose data is the body of {@code POST /api/v1/jobs}. The event id is the idempotency key,
 * so a replayed record makes no second job; the extension {@code correlationid} is honoured. The tenant is the one
 * an ADMIN bound the event's {@code source} to ({@link IntakeBindings}, by prefix), never what the event says: an
 * event from an unbound source is rejected, never run. A request that is wrong becomes a
 * {@code io.shardflow.job.rejected} event; a record that is no request at all goes to the dead-letter topic. Either
 * way the consumer goes on. A record larger than {@code shardflow.messaging.max-request-size} (which a topic that
 * allows more lets through) is rejected with an event that names the limit, and never sent to the dead-letter topic,
 * which would refuse it as too large and leave the consumer retrying it. Records are taken as the consumer polls them,
 * in batches, each written in one transaction with one statement per table, which is what lets intake over Kafka
 * keep up with a pipeline that publishes thousands of requests a second.
 */
@Component
public class JobRequestListener {
    public static final String TYPE = "io.shardflow.job.requested";
    private static final Logger log = LoggerFactory.getLogger(JobRequestListener.class);

    private final JobBatchIntake intake;
    private final Outbox outbox;
    private final IntakeBindings bindings;
    private final JsonMapper requests;
    private final JsonErrors jsonErrors;
    private final Clock clock;
    private final int maxRequestBytes;
    private final TransactionTemplate tx;
    private final JobTracing tracing;
    private final CloudEventDeserializer deserializer = new CloudEventDeserializer();
    private final EventFormat json = jsonFormat();

    /**
     * {@code requests} is the mapper the REST API reads bodies with: the data is the same body and is held to the
     * same limits and the same refusal of unknown fields.
     */
    public JobRequestListener(
            JobBatchIntake intake,
            Outbox outbox,
            IntakeBindings bindings,
            JsonMapper requests,
            JsonErrors jsonErrors,
            Clock clock,
            MessagingSettings messaging,
            TransactionTemplate tx,
            JobTracing tracing) {
        this.tx = tx;
        this.tracing = tracing;
        this.clock = clock;
        this.maxRequestBytes = messaging.maxRequestBytes();
        this.intake = intake;
        this.outbox = outbox;
        this.bindings = bindings;
        this.requests = requests;
        this.jsonErrors = jsonErrors;
    }

    /**
     * A polled batch of records, in one transaction: every request becomes a job or a rejection together
     * ({@link JobBatchIntake}). A poison record stops the batch there: what came before it is stored, it goes to the
     * dead-letter topic, and the records after it are read again (Spring Kafka's {@link BatchListenerFailedException}
     * does both).
     */
    @KafkaListener(
            id = "shardflow-job-requests",
            topics = Topics.JOB_REQUESTS,
            groupId = ConsumerGroups.API,
            batch = "true")
    public void onRequests(List<ConsumerRecord<String, byte[]>> records) {
        var read = new ArrayList<Read>(records.size());
        // a batch comes from few sources: each one's tenant is looked up once
        var tenants = new HashMap<String, Optional<String>>();
        PoisonRecordException poison = null;
        for (var record : records) {
            try {
                read.add(read(record, tenants));
            } catch (PoisonRecordException e) {
                poison = e;
                break;
            }
        }
        try {
            write(read);
        } catch (RuntimeException e) {
            if (read.size() <= 1 || DatabaseUnavailable.causes(e)) {
                // tried again from the first record, for as long as the error handler gives the database
                throw new BatchListenerFailedException("job requests failed: " + e.getMessage(), e, 0);
            }
            // unforeseen: each record alone, so that only the one at fault is tried again and dead-lettered
            for (int i = 0; i < read.size(); i++) {
                try {
                    write(List.of(read.get(i)));
                } catch (RuntimeException one) {
                    throw new BatchListenerFailedException("job request failed: " + one.getMessage(), one, i);
                }
            }
        }
        if (poison != null) {
            throw new BatchListenerFailedException(String.valueOf(poison.getMessage()), poison, read.size());
        }
    }

    /** What one record asks: a job, or a rejection decided before any job is looked at. */
    private sealed interface Read permits Submit, Reject {}

    /** A request to submit, under its event's id (the idempotency key), answered by a rejection if refused. */
    private record Submit(String eventId, String correlationId, JobBatchIntake.Request request) implements Read {}

    /** A rejection event to publish, under the request's id. */
    private record Reject(String requestId, JobRejected rejection) implements Read {}

    private Read read(ConsumerRecord<String, byte[]> record, Map<String, Optional<String>> tenants) {
        if (record.serializedValueSize() > maxRequestBytes) {
            return rejectOversized(record);
        }
        CloudEvent event = parse(record);
        if (!TYPE.equals(event.getType())) {
            throw new PoisonRecordException("CloudEvent type '" + event.getType() + "' is not " + TYPE);
        }
        String correlationId = extension(event, "correlationid", event.getId());
        String source = event.getSource().toString();
        var tenant = tenants.computeIfAbsent(source, bindings::tenantOf).orElse(null);
        if (tenant == null) {
            return reject(
                    event,
                    correlationId,
                    "source",
                    "source '" + source
                            + "' is bound to no tenant; an ADMIN binds it with POST /api/v1/intake-bindings");
        }
        try {
            var data = event.getData();
            if (data == null) {
                throw new InvalidSpecException("data", "is required: the body of POST /api/v1/jobs");
            }
            var spec = requests.readValue(data.toBytes(), JobSpec.class);
            return new Submit(
                    event.getId(),
                    correlationId,
                    new JobBatchIntake.Request(tenant, spec, event.getId(), correlationId, requestTrace(event)));
        } catch (InvalidSpecException e) {
            return reject(event, correlationId, e.field(), e.reason());
        } catch (JacksonException e) {
            var reason = jsonErrors.describe(e);
            // the data is the request body: what a REST caller hears of as "body" is the event's data
            String field = reason.field().equals("body") ? "data" : reason.field();
            return reject(event, correlationId, field, reason.message());
        }
    }

    /**
     * The trace a request's job belongs to: a span of its own, the child of the event's {@code traceparent} (the
     * CloudEvents distributed-tracing extension; in binary mode the {@code ce_traceparent} header) or the root of a
     * new trace. The job's spans in every service descend from it.
     */
    private @Nullable String requestTrace(CloudEvent event) {
        try (var span = tracing.start("job request", extension(event, JobTracing.TRACEPARENT, null))) {
            span.tag("cloudevents.event_id", event.getId())
                    .tag("cloudevents.event_source", event.getSource().toString());
            return tracing.traceparent();
        }
    }

    /** The jobs and rejections of a batch, in one transaction. */
    private void write(List<Read> batch) {
        var submits = new ArrayList<Submit>();
        var rejections = new ArrayList<Outbox.Message>();
        for (var read : batch) {
            switch (read) {
                case Submit submit -> submits.add(submit);
                case Reject reject -> rejections.add(rejection(reject));
            }
        }
        tx.executeWithoutResult(status -> {
            // the intake's transaction joins this one
            var outcomes =
                    intake.submitAll(submits.stream().map(Submit::request).toList(), JobBatchIntake.KEY_HEADER);
            for (int i = 0; i < outcomes.size(); i++) {
                var submit = submits.get(i);
                switch (outcomes.get(i)) {
                    case JobBatchIntake.Accepted accepted ->
                        log.debug(
                                "job request {} {} job {}",
                                submit.eventId(),
                                accepted.created() ? "made" : "repeats",
                                accepted.job().id());
                    case JobBatchIntake.Refused refused ->
                        rejections.add(rejection(new Reject(
                                submit.eventId(),
                                JobRejected.of(
                                        "/shardflow/api",
                                        submit.eventId(),
                                        submit.correlationId(),
                                        refused.error().field(),
                                        refused.error().reason(),
                                        clock.instant()))));
                }
            }
            outbox.appendAll(rejections);
        });
    }

    private static Outbox.Message rejection(Reject reject) {
        return new Outbox.Message(Topics.JOB_EVENTS, reject.requestId(), reject.rejection());
    }

    /**
     * Rejects a record over the platform's limit, named by its event's id when it parses, else by its key, else by
     * where it lies on the topic.
     */
    private Reject rejectOversized(ConsumerRecord<String, byte[]> record) {
        String reason = "the request is " + record.serializedValueSize() + " bytes, over the limit of "
                + maxRequestBytes + " bytes (shardflow.messaging.max-request-size): upload large inputs as a dataset "
                + "(POST /api/v1/datasets) and name it in the request";
        CloudEvent event = null;
        try {
            event = parse(record);
        } catch (PoisonRecordException notAnEvent) {
            // named by its key or its place instead
        }
        log.warn(
                "job request {} at {}-{}@{} rejected: {}",
                event != null ? event.getId() : record.key(),
                record.topic(),
                record.partition(),
                record.offset(),
                reason);
        if (event != null) {
            return reject(event, extension(event, "correlationid", event.getId()), "data", reason);
        }
        String requestId =
                record.key() != null ? record.key() : record.topic() + "-" + record.partition() + "@" + record.offset();
        return new Reject(
                requestId, JobRejected.of("/shardflow/api", requestId, null, "data", reason, clock.instant()));
    }

    private Reject reject(CloudEvent event, String correlationId, String field, String reason) {
        return new Reject(
                event.getId(),
                JobRejected.of("/shardflow/api", event.getId(), correlationId, field, reason, clock.instant()));
    }

    private CloudEvent parse(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            throw new PoisonRecordException("empty record");
        }
        try {
            boolean encoded = record.headers().lastHeader("ce_specversion") != null
                    || record.headers().lastHeader("content-type") != null;
            return encoded
                    ? deserializer.deserialize(record.topic(), record.headers(), record.value())
                    : json.deserialize(record.value());
        } catch (RuntimeException e) {
            throw new PoisonRecordException("not a CloudEvent: " + e.getMessage(), e);
        }
    }

    /** CloudEvents' JSON format, which cloudevents-json-jackson registers with the provider. */
    private static EventFormat jsonFormat() {
        var format = EventFormatProvider.getInstance().resolveFormat(JsonFormat.CONTENT_TYPE);
        if (format == null) {
            throw new IllegalStateException(
                    "no CloudEvents format for " + JsonFormat.CONTENT_TYPE + ": cloudevents-json-jackson is missing");
        }
        return format;
    }

    @Contract("_, _, !null -> !null")
    private static @Nullable String extension(CloudEvent event, String name, @Nullable String fallback) {
        Object value = event.getExtension(name);
        return value == null ? fallback : value.toString();
    }
}
