package io.shardflow.api.jobs;

import io.shardflow.api.errors.ConflictException;
import io.shardflow.api.errors.NotFoundException;
import io.shardflow.api.security.Audit;
import io.shardflow.api.security.Caller;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.db.events.JobEventLog;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.messaging.JobEventPublisher;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/** Operator and client actions on a job that exists. */
@Service
public class JobControl {
    private final JobRepository jobs;
    private final ShardRepository shards;
    private final JobEventPublisher events;
    private final JobEventLog timeline;
    private final JobIntake intake;
    private final Audit audit;
    private final TransactionTemplate tx;

    public JobControl(
            JobRepository jobs,
            ShardRepository shards,
            JobEventPublisher events,
            JobEventLog timeline,
            JobIntake intake,
            Audit audit,
            TransactionTemplate tx) {
        this.jobs = jobs;
        this.shards = shards;
        this.events = events;
        this.timeline = timeline;
        this.intake = intake;
        this.audit = audit;
        this.tx = tx;
    }

    /**
     * Runs a failed or cancelled job again as a new job of the same tenant with the same request; both timelines and
     * the audit log say so, and who asked.
     */
    public JobRow retry(Caller caller, UUID id) {
        var job = find(caller, id);
        if (job.status() != JobStatus.FAILED && job.status() != JobStatus.CANCELLED) {
            throw new ConflictException(
                    "job " + id + " is " + job.status() + "; only a FAILED or CANCELLED job is retried");
        }
        return tx.execute(s -> {
            var again = intake.submit(job.tenant(), job.spec(), null, job.correlationId())
                    .job();
            timeline.append(id, "io.shardflow.job.retried", "retried as job " + again.id());
            timeline.append(again.id(), "io.shardflow.job.retry-of", "a retry of job " + id);
            audit.job(caller, "job.retry", id, job.tenant(), "retried as job " + again.id());
            return again;
        });
    }

    /** Changes an unfinished job's priority. */
    public JobRow prioritise(Caller caller, UUID id, int priority) {
        InvalidSpecException.require(
                priority >= -100 && priority <= 100, "priority", "must be in -100..100, was " + priority);
        return tx.execute(s -> {
            var job = find(caller, id);
            if (job.status().isTerminal()) {
                throw new ConflictException("job " + id + " already ended as " + job.status());
            }
            jobs.setPriority(id, priority);
            timeline.append(id, "io.shardflow.job.priority", "priority " + job.priority() + " → " + priority);
            audit.job(caller, "job.priority", id, job.tenant(), "priority " + job.priority() + " → " + priority);
            return jobs.find(id).orElseThrow();
        });
    }

    /** The job, if the caller may see it: another tenant's job is as missing as one that does not exist. */
    public JobRow find(Caller caller, UUID id) {
        return jobs.find(id).filter(j -> caller.sees(j.tenant())).orElseThrow(() -> new NotFoundException("job", id));
    }

    /** Ends the job as CANCELLED; its unfinished shards are not run. Workers drop their tasks when they see it. */
    public JobRow cancel(Caller caller, UUID id) {
        return tx.execute(s -> {
            var job = find(caller, id); // 404 unless the caller may see the job
            if (!jobs.finishUnlessTerminal(id, JobStatus.CANCELLED, null)) {
                throw new ConflictException(
                        "job " + id + " already ended as " + jobs.status(id).orElseThrow());
            }
            shards.abandonUnfinished(id, "job cancelled");
            var cancelled = jobs.find(id).orElseThrow();
            events.publish(cancelled, "cancelled by request");
            audit.job(caller, "job.cancel", id, job.tenant(), "cancelled");
            return cancelled;
        });
    }
}
