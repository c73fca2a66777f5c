package io.shardflow.api.jobs;

import io.shardflow.api.limits.StorageQuota;
import io.shardflow.api.quotas.QueueQuota;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.messaging.JobSubmitted;
import io.shardflow.core.messaging.Topics;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.jobs.NewJob;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.messaging.JobEventPublisher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Accepts many jobs at once, each judged on its own as {@link JobIntake} judges one (its spec, its idempotency key,
 * its tenant's queue quota and storage), with every job that passes written in one transaction: one statement for
 * the job rows, one for their planning requests, one for their timeline entries and one for their CloudEvents. A
 * refused job costs the others nothing. Requests may be of several tenants (a Kafka batch); each tenant's queue is
 * locked in the order of their names, so two batches never wait for each other in a circle.
 */
@Service
public class JobBatchIntake {
    /** Where a single submission names the idempotency key: the header of {@code POST /api/v1/jobs}. */
    public static final String KEY_HEADER = "Idempotency-Key";

    private final JobRepository jobs;
    private final Outbox outbox;
    private final JobEventPublisher events;
    private final JobValidation validation;
    private final StorageQuota quota;
    private final QueueQuota queue;
    private final TransactionTemplate tx;

    public JobBatchIntake(
            JobRepository jobs,
            Outbox outbox,
            JobEventPublisher events,
            JobValidation validation,
            StorageQuota quota,
            QueueQuota queue,
            TransactionTemplate tx) {
        this.jobs = jobs;
        this.outbox = outbox;
        this.events = events;
        this.validation = validation;
        this.quota = quota;
        this.queue = queue;
        this.tx = tx;
    }

    /** One job to accept for {@code tenant}; {@code traceParent}: the trace it was requested in, null for the current. */
    public record Request(
            String tenant,
            JobSpec spec,
            @Nullable String idempotencyKey,
            @Nullable String correlationId,
            @Nullable String traceParent) {

        public Request(String tenant, JobSpec spec, @Nullable String idempotencyKey, @Nullable String correlationId) {
            this(tenant, spec, idempotencyKey, correlationId, null);
        }
    }

    /** What became of one request. */
    public sealed interface Outcome permits Accepted, Refused {}

    /** Accepted: the job, and whether this batch made it (false: a request under the same key did, before or here). */
    public record Accepted(JobRow job, boolean created) implements Outcome {}

    /** Refused, with the error a single submission would have got; nothing of it was stored. */
    public record Refused(InvalidSpecException error) implements Outcome {}

    /**
     * Accepts what it can of {@code requests}; the outcomes are in their order. {@code keyField} names the idempotency
     * key in a refusal about it ({@link #KEY_HEADER} where it came as a single submission's would). Once this
     * returns, the accepted jobs are durable.
     */
    public List<Outcome> submitAll(List<Request> requests, String keyField) {
        int n = requests.size();
        @Nullable Outcome[] outcomes = new @Nullable Outcome[n];
        var reads = validation.reads();
        var tenants = new TreeMap<String, List<Valid>>();
        for (int i = 0; i < n; i++) {
            var request = requests.get(i);
            try {
                var key = request.idempotencyKey();
                if (key != null) {
                    InvalidSpecException.require(
                            !key.isBlank() && key.length() <= 200, keyField, "must be 1 to 200 characters");
                }
                var checked = validation.validate(request.tenant(), request.spec(), reads);
                tenants.computeIfAbsent(request.tenant(), t -> new ArrayList<>())
                        .add(new Valid(i, checked));
            } catch (InvalidSpecException e) {
                outcomes[i] = new Refused(e);
            }
        }
        if (tenants.isEmpty()) {
            return done(outcomes);
        }
        var budgets = new ArrayList<StorageQuota.Budget>();
        tx.executeWithoutResult(status -> {
            budgets.clear();
            var made = new ArrayList<NewJob>();
            var madeFor = new ArrayList<Integer>();
            // a request under a key that an earlier one of this batch brings: answered with that one's job
            var repeats = new ArrayList<Integer>();
            for (var tenant : tenants.entrySet()) {
                var room = queue.enter(tenant.getKey()).room();
                var budget = quota.budget(tenant.getKey(), "result");
                budgets.add(budget);
                var keys = new ArrayList<String>();
                for (var valid : tenant.getValue()) {
                    var key = requests.get(valid.index()).idempotencyKey();
                    if (key != null) {
                        keys.add(key);
                    }
                }
                var existing = jobs.findByKeys(tenant.getKey(), keys);
                var taken = new HashMap<String, Integer>();
                for (var valid : tenant.getValue()) {
                    int i = valid.index();
                    var request = requests.get(i);
                    var key = request.idempotencyKey();
                    if (key != null) {
                        var job = existing.get(key);
                        if (job != null) {
                            outcomes[i] = replay(job, request.spec(), keyField);
                            continue;
                        }
                        if (taken.containsKey(key)) {
                            repeats.add(i);
                            continue;
                        }
                    }
                    try {
                        // as a single submission: over the queue quota 429, then over the storage quota 413
                        room.check();
                        budget.spend(valid.checked().resultBytes(request.spec()));
                        room.take();
                    } catch (InvalidSpecException e) {
                        // refused before it took its key: a later request under the key is judged as the first
                        outcomes[i] = new Refused(e);
                        continue;
                    }
                    if (key != null) {
                        taken.put(key, i);
                    }
                    made.add(new NewJob(
                            UUID.randomUUID(),
                            request.tenant(),
                            request.spec(),
                            key,
                            request.correlationId(),
                            request.traceParent()));
                    madeFor.add(i);
                }
                room.keep();
            }
            var inserted = new HashMap<UUID, JobRow>();
            jobs.insertAll(made).forEach(job -> inserted.put(job.id(), job));
            var accepted = new ArrayList<JobRow>(inserted.size());
            // each key's job, for the repeats of its request
            var byKey = new HashMap<String, JobRow>();
            for (int m = 0; m < made.size(); m++) {
                int i = madeFor.get(m);
                var request = requests.get(i);
                var key = request.idempotencyKey();
                var job = inserted.get(made.get(m).id());
                if (job != null) {
                    accepted.add(job);
                    outcomes[i] = new Accepted(job, true);
                } else {
                    // another transaction committed a job under this key meanwhile: that job is the answer
                    job = key == null
                            ? null
                            : jobs.findByKeys(request.tenant(), List.of(key)).get(key);
                    if (job == null) {
                        throw new IllegalStateException("a job of the batch was neither inserted nor found by its key");
                    }
                    outcomes[i] = replay(job, request.spec(), keyField);
                }
                if (key != null) {
                    byKey.put(request.tenant() + "\n" + key, job);
                }
            }
            for (int i : repeats) {
                var request = requests.get(i);
                var job = byKey.get(request.tenant() + "\n" + request.idempotencyKey());
                if (job == null) {
                    throw new IllegalStateException("a repeated key has no job");
                }
                outcomes[i] = replay(job, request.spec(), keyField);
            }
            outbox.appendAll(accepted.stream()
                    .map(job ->
                            new Outbox.Message(Topics.JOBS, job.id(), new JobSubmitted(job.id()), job.traceParent()))
                    .toList());
            events.publishAll(accepted, "accepted");
        });
        // counted from now on, before the results exist: the next submissions see room for them taken
        budgets.forEach(StorageQuota.Budget::stored);
        return done(outcomes);
    }

    /** A request that passed validation: its place in the batch, and what validation found. */
    private record Valid(int index, JobValidation.Checked checked) {}

    private static List<Outcome> done(@Nullable Outcome[] outcomes) {
        var done = new ArrayList<Outcome>(outcomes.length);
        for (var outcome : outcomes) {
            if (outcome == null) {
                throw new IllegalStateException("a request of the batch was left without an outcome");
            }
            done.add(outcome);
        }
        return done;
    }

    /** The answer to a request under a key already used: that job, if the request is the same. */
    private static Outcome replay(JobRow job, JobSpec spec, String keyField) {
        if (!job.spec().equals(spec)) {
            // a retry must be the same request; another body under a used key is a client bug
            return new Refused(new InvalidSpecException(
                    keyField, "was already used for job " + job.id() + " with a different request"));
        }
        return new Accepted(job, false);
    }
}
