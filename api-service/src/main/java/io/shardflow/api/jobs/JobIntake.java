package io.shardflow.api.jobs;

import io.shardflow.api.jobs.JobValidation.Checked;
import io.shardflow.api.limits.StorageQuota;
import io.shardflow.api.quotas.QueueQuota;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.messaging.JobSubmitted;
import io.shardflow.core.messaging.Topics;
import io.shardflow.core.planning.ParallelPlanner;
import io.shardflow.core.planning.PlanDocument;
import io.shardflow.core.planning.Strategy;
import io.shardflow.core.planning.TrainingPlanner;
import io.shardflow.db.jobs.InlinePlanning;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.db.workers.WorkerRegistry;
import io.shardflow.messaging.JobEventPublisher;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Accepts a job: checks it against the tenant's models and datasets, then writes the job and its outbox record
 * in one transaction, unless the tenant already has as many jobs not yet ended as its quota allows
 * ({@link QueueQuota}). Once this returns the job is durable, whether or not Kafka is up. Where the scheduler runs in
 * this process an inference job is planned in that same transaction ({@link InlinePlanning}) instead of through the
 * outbox record.
 */
@Service
public class JobIntake {
    private final JobRepository jobs;
    private final Outbox outbox;
    private final JobEventPublisher events;
    private final JobValidation validation;
    private final WorkerRegistry workers;
    private final StorageQuota quota;
    private final QueueQuota queue;
    private final ObjectProvider<InlinePlanning> planning;
    private final TransactionTemplate tx;

    public JobIntake(
            JobRepository jobs,
            Outbox outbox,
            JobEventPublisher events,
            JobValidation validation,
            WorkerRegistry workers,
            StorageQuota quota,
            QueueQuota queue,
            ObjectProvider<InlinePlanning> planning,
            TransactionTemplate tx) {
        this.planning = planning;
        this.queue = queue;
        this.quota = quota;
        this.validation = validation;
        this.workers = workers;
        this.jobs = jobs;
        this.outbox = outbox;
        this.events = events;
        this.tx = tx;
    }

    /** The accepted job, and whether this call created it (false: an earlier request with the same key did). */
    public record Accepted(JobRow job, boolean created) {}

    public Accepted submit(
            String tenant, JobSpec spec, @Nullable String idempotencyKey, @Nullable String correlationId) {
        if (idempotencyKey != null) {
            InvalidSpecException.require(
                    !idempotencyKey.isBlank() && idempotencyKey.length() <= 200,
                    "Idempotency-Key",
                    "must be 1 to 200 characters");
        }
        var checked = validate(tenant, spec);
        var budget = new AtomicReference<StorageQuota.@Nullable Budget>();
        var accepted = tx.execute(s -> {
            var id = UUID.randomUUID();
            var jobId = jobs.insert(id, tenant, spec, idempotencyKey, correlationId);
            var job = jobs.find(jobId).orElseThrow();
            if (jobId.equals(id)) {
                // a new job (not a retry of one already accepted) must leave room for what it will store
                budget.set(quota.check(tenant, "result", resultBytes(spec, checked)));
            } else {
                // a retry must be the same request; another body under a used key is a client bug
                InvalidSpecException.require(
                        job.spec().equals(spec),
                        "Idempotency-Key",
                        "was already used for job " + jobId + " with a different request");
                return new Accepted(job, false);
            }
            events.publish(job, "accepted");
            var planner = planning.getIfAvailable();
            if (planner != null && spec.type() == JobType.INFERENCE) {
                // the scheduler is in this process: the job is planned and queued for a lane before the answer
                planner.plan(jobId);
            } else {
                outbox.append(Topics.JOBS, jobId, new JobSubmitted(jobId));
            }
            // over the tenant's maxQueuedJobs: 429, and the rollback takes the job back out. Last, so that the
            // tenant's queue lock is held only for the count and the commit: submissions take turns for no more
            queue.enter(tenant).admit();
            return new Accepted(job, true);
        });
        var spent = budget.get();
        if (spent != null) {
            // counted from now on, before the result exists: the next submissions see room for it taken
            spent.stored();
        }
        return accepted;
    }

    /** The plan the scheduler would make for this job now, without running it. */
    public PlanDocument preview(String tenant, JobSpec spec) {
        var checked = validate(tenant, spec);
        if (spec.type() == JobType.TRAINING) {
            // the steps and scaling are worked out when the job is planned; the data split is known now
            long rows = checked.trainingData().rows();
            var layout = TrainingPlanner.plan(
                    spec.parallelism(), checked.architecture(), spec.requireTraining(), rows, fleet());
            var shards = layout.shards();
            var strategy = layout.split() && shards.size() > 1
                    ? Strategy.HYBRID
                    : layout.model().strategy();
            return new PlanDocument(strategy, rows, shards.size(), shards, null, layout.model(), false);
        }
        return checked.inferencePlan().document();
    }

    private ParallelPlanner.Fleet fleet() {
        return workers.fleet(WorkerRegistry.LIVE, 1);
    }

    private Checked validate(String tenant, JobSpec spec) {
        return validation.validate(tenant, spec, validation.reads());
    }

    /**
     * About the bytes a job's result will store: a trained model's parameters; for inference, the outputs' float32
     * values, or for a gpt each prompt's completion at its longest.
     */
    private static long resultBytes(JobSpec spec, Checked checked) {
        return checked.resultBytes(spec);
    }
}
