package io.shardflow.api.security;

import io.shardflow.db.access.AuditLog;
import io.shardflow.db.events.JobEventLog;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Records who did what: in the audit log, and for an act on a job also in the job's timeline, both naming the
 * caller's key (name and id) and saying when it acted on another tenant's behalf.
 */
@Component
public class Audit {
    private final AuditLog log;
    private final JobEventLog timeline;

    public Audit(AuditLog log, JobEventLog timeline) {
        this.log = log;
        this.timeline = timeline;
    }

    public void record(
            Caller by, String action, @Nullable String tenant, @Nullable String target, @Nullable String detail) {
        log.append(by.id(), by.name(), action, tenant, target, behalf(by, detail));
    }

    /** An act on a job: the audit log, and a line in the job's timeline. */
    public void job(Caller by, String action, UUID jobId, String tenant, String what) {
        record(by, action, tenant, jobId.toString(), what);
        timeline.append(jobId, "io.shardflow.job.audit", what + " by " + by.label() + onBehalf(by));
    }

    private static @Nullable String behalf(Caller by, @Nullable String detail) {
        if (!by.onBehalf()) {
            return detail;
        }
        var note = "on behalf of tenant " + by.tenant() + " (key of " + by.keyTenant() + ")";
        return detail == null ? note : detail + "; " + note;
    }

    private static String onBehalf(Caller by) {
        return by.onBehalf() ? " on behalf of tenant " + by.tenant() : "";
    }
}
