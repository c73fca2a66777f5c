package io.shardflow.messaging;

import io.shardflow.core.messaging.JobEvent;
import io.shardflow.core.messaging.Topics;
import io.shardflow.db.events.JobEventLog;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.outbox.Outbox;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;

/**
 * Records a lifecycle change twice, in the caller's transaction: in the job's timeline and as a CloudEvent on
 * {@link Topics#JOB_EVENTS} through the outbox; {@link JobMeters} count it once it commits. An ended job is also announced in this process ({@link JobEnded},
 * which listeners receive after the commit).
 */
public class JobEventPublisher {
    private final JobEventLog log;
    private final Outbox outbox;
    private final String source;
    private final ApplicationEventPublisher local;
    private final JobMeters meters;
    private final JobTracing tracing;

    public JobEventPublisher(
            JobEventLog log,
            Outbox outbox,
            String source,
            ApplicationEventPublisher local,
            JobMeters meters,
            JobTracing tracing) {
        this.log = log;
        this.outbox = outbox;
        this.source = source;
        this.local = local;
        this.meters = meters;
        this.tracing = tracing;
    }

    /** Publishes the job's state as it is now, dated by its last change, with an optional note for the timeline. */
    public void publish(JobRow job, @Nullable String note) {
        var event = event(job);
        log.append(job.id(), event.type(), note == null ? job.error() : note);
        outbox.appendAll(List.of(new Outbox.Message(Topics.JOB_EVENTS, job.id(), event, event.traceparent())));
        meters.changed(List.of(job));
        if (job.status().isTerminal()) {
            local.publishEvent(new JobEnded(job.id(), job.status()));
        }
    }

    /** As {@link #publish} for each job, with one statement for the timelines and one for the outbox. */
    public void publishAll(List<JobRow> jobs, @Nullable String note) {
        var entries = new ArrayList<JobEventLog.NewEntry>(jobs.size());
        var messages = new ArrayList<Outbox.Message>(jobs.size());
        for (var job : jobs) {
            var event = event(job);
            entries.add(new JobEventLog.NewEntry(job.id(), event.type(), note == null ? job.error() : note));
            messages.add(new Outbox.Message(Topics.JOB_EVENTS, job.id(), event, event.traceparent()));
        }
        log.appendAll(entries);
        outbox.appendAll(messages);
        meters.changed(jobs);
        for (var job : jobs) {
            if (job.status().isTerminal()) {
                local.publishEvent(new JobEnded(job.id(), job.status()));
            }
        }
    }

    /** The span that made the change if it is in the job's trace, else the job's own context. */
    private @Nullable String traceOf(JobRow job) {
        String current = tracing.traceparent();
        String jobTrace = JobTracing.traceId(job.traceParent());
        return current != null && (jobTrace == null || jobTrace.equals(JobTracing.traceId(current)))
                ? current
                : job.traceParent();
    }

    private JobEvent event(JobRow job) {
        return JobEvent.of(
                source,
                job.correlationId(),
                traceOf(job),
                new JobEvent.Data(
                        job.id(), job.tenant(), job.status(), job.error(), job.shardsDone(), job.shardsTotal()),
                job.updatedAt());
    }
}
