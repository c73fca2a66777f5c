package io.shardflow.core.messaging;

import io.shardflow.core.jobs.JobStatus;
import java.time.Instant;
import java.util.UUID;

/**
 * On {@link Topics#JOB_EVENTS}: a lifecycle event in CloudEvents 1.0 structured JSON form. {@code type} is
 * {@code io.shardflow.job.<status in lower case>}; {@code subject} is the job id.
 */
public record JobEvent(String specversion, String id, String source, String type, String subject, Instant time,
                       String datacontenttype, Data data) {

    public record Data(UUID jobId, String tenant, JobStatus status, String error, int shardsDone, int shardsTotal) {
    }

    public static JobEvent of(String source, Data data) {
        return new JobEvent("1.0", UUID.randomUUID().toString(), source,
            "io.shardflow.job." + data.status().name().toLowerCase(java.util.Locale.ROOT), data.jobId().toString(),
            Instant.now(), "application/json", data);
    }
}
