package io.shardflow.messaging;

import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * Names the job a thread works on in every log line it writes meanwhile: {@code jobId}, {@code tenant} and, on a
 * lane, {@code shard} (step/stage/index) in the MDC, where the console pattern and the structured formats (ECS,
 * Logstash) take them from. A scope restores what the thread had before when it closes, so scopes nest.
 */
public final class JobLog implements AutoCloseable {
    public static final String JOB_ID = "jobId";
    public static final String TENANT = "tenant";
    public static final String SHARD = "shard";

    private final @Nullable String jobId;
    private final @Nullable String tenant;
    private final @Nullable String shard;

    private JobLog() {
        this.jobId = MDC.get(JOB_ID);
        this.tenant = MDC.get(TENANT);
        this.shard = MDC.get(SHARD);
    }

    /** Lines from here until {@link #close} are about this job. */
    public static JobLog of(UUID jobId) {
        var scope = new JobLog();
        MDC.put(JOB_ID, jobId.toString());
        MDC.remove(TENANT);
        MDC.remove(SHARD);
        return scope;
    }

    /** The job's tenant, once it is known (the enclosing scope's close takes it away again). */
    public static void tenant(@Nullable String tenant) {
        put(TENANT, tenant);
    }

    /** … and this shard of it. */
    public JobLog shard(String shard) {
        MDC.put(SHARD, shard);
        return this;
    }

    /** … of this tenant. */
    public JobLog withTenant(@Nullable String tenant) {
        put(TENANT, tenant);
        return this;
    }

    @Override
    public void close() {
        put(JOB_ID, jobId);
        put(TENANT, tenant);
        put(SHARD, shard);
    }

    private static void put(String key, @Nullable String value) {
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
    }
}
