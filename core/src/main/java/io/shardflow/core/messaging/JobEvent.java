package io.shardflow.core.messaging;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.shardflow.core.jobs.JobStatus;
import java.time.Instant;
import java.util.Locale;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * On {@link Topics#JOB_EVENTS}: a lifecycle event in CloudEvents 1.0 structured JSON form, keyed by job id.
 * {@code type} is {@code io.shardflow.job.<status in lower case>}; {@code subject} is the job id;
 * {@code correlationid} (an extension attribute) repeats the caller's correlation id, so a pipeline can wait for
 * its own jobs; {@code traceparent} (the distributed-tracing extension) places the change in the job's trace.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobEvent(
        String specversion,
        String id,
        String source,
        String type,
        String subject,
        Instant time,
        String datacontenttype,
        @Nullable String correlationid,
        @Nullable String traceparent,
        Data data) {

    public record Data(
            UUID jobId,
            String tenant,
            JobStatus status,
            @Nullable String error,
            int shardsDone,
            int shardsTotal) {}

    public static JobEvent of(
            String source, @Nullable String correlation, @Nullable String traceparent, Data data, Instant time) {
        return new JobEvent(
                "1.0",
                UUID.randomUUID().toString(),
                source,
                "io.shardflow.job." + data.status().name().toLowerCase(Locale.ROOT),
                data.jobId().toString(),
                time,
                "application/json",
                correlation,
                traceparent,
                data);
    }
}
