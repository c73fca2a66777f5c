package io.shardflow.core.messaging;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * On {@link Topics#JOB_EVENTS}, keyed by the request's id: a job request from a pipeline that was refused, as a
 * CloudEvent of type {@code io.shardflow.job.rejected} whose data names the bad field and the reason.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobRejected(
        String specversion,
        String id,
        String source,
        String type,
        String subject,
        Instant time,
        String datacontenttype,
        @Nullable String correlationid,
        Data data) {
    public static final String TYPE = "io.shardflow.job.rejected";

    public record Data(String requestId, @Nullable String field, String reason) {}

    public static JobRejected of(
            String source,
            String requestId,
            @Nullable String correlation,
            @Nullable String field,
            String reason,
            Instant time) {
        return new JobRejected(
                "1.0",
                UUID.randomUUID().toString(),
                source,
                TYPE,
                requestId,
                time,
                "application/json",
                correlation,
                new Data(requestId, field, reason));
    }
}
