package io.shardflow.api.jobs;

import io.shardflow.api.ApiSettings;
import io.shardflow.api.limits.Limits;
import io.shardflow.api.limits.StorageQuota;
import io.shardflow.api.quotas.QueueQuota;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.generation.Prompts;
import io.shardflow.core.jobs.JobInputCheck;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.messaging.JobSubmitted;
import io.shardflow.core.messaging.Topics;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.models.Task;
import io.shardflow.core.planning.ParallelPlanner;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.planning.PlanDocument;
import io.shardflow.core.planning.Strategy;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.datasets.DatasetRow;
import io.shardflow.db.jobs.InlinePlanning;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.models.ModelRepository;
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
    private final ModelRepository models;
    private final DatasetRepository datasets;
    private final Outbox outbox;
    private final JobEventPublisher events;
    private final LabelCheck labels;
    private final WorkerRegistry workers;
    private final ApiSettings settings;
    private final Limits limits;
    private final StorageQuota quota;
    private final QueueQuota queue;
    private final ObjectProvider<InlinePlanning> planning;
    private final TransactionTemplate tx;

    public JobIntake(
            JobRepository jobs,
            ModelRepository models,
            DatasetRepository datasets,
            Outbox outbox,
            JobEventPublisher events,
            LabelCheck labels,
            WorkerRegistry workers,
            ApiSettings settings,
            Limits limits,
            StorageQuota quota,
            QueueQuota queue,
            ObjectProvider<InlinePlanning> planning,
            TransactionTemplate tx) {
        this.planning = planning;
        this.queue = queue;
        this.settings = settings;
        this.limits = limits;
        this.quota = quota;
        this.labels = labels;
        this.workers = workers;
        this.jobs = jobs;
        this.models = models;
        this.datasets = datasets;
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
            var gate = queue.enter(tenant);
            var id = UUID.randomUUID();
            var jobId = jobs.insert(id, tenant, spec, idempotencyKey, correlationId);
            var job = jobs.find(jobId).orElseThrow();
            if (jobId.equals(id)) {
                // over the tenant's maxQueuedJobs: 429, and the rollback takes the job back out
                gate.admit();
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
            var shards = ParallelPlanner.trainingShards(spec.parallelism(), rows, fleet());
            var strategy = spec.parallelism().strategy() == Strategy.PIPELINE ? Strategy.PIPELINE : Strategy.DATA;
            return new PlanDocument(strategy, rows, shards.size(), shards, null, null, false);
        }
        return checked.inferencePlan().document();
    }

    private ParallelPlanner.Fleet fleet() {
        return workers.fleet(WorkerRegistry.LIVE, 1);
    }

    /** What validation found: the model's architecture, the dataset, and for inference the plan it would get. */
    private record Checked(
            ModelArchitecture architecture,
            @Nullable DatasetRow dataset,
            @Nullable Plan plan) {
        /** The dataset of a training job, which always reads one. */
        DatasetRow trainingData() {
            if (dataset == null) {
                throw new IllegalStateException("a training job passed validation without a dataset");
            }
            return dataset;
        }

        /** The plan of an inference job, which validation makes. */
        Plan inferencePlan() {
            if (plan == null) {
                throw new IllegalStateException("only an inference job is planned at validation");
            }
            return plan;
        }
    }

    private Checked validate(String tenant, JobSpec spec) {
        var newArchitecture = spec.model().architecture();
        if (newArchitecture != null) {
            // a new model is initialised whole on the scheduler: its size is judged before anything else
            limits.checkModel(newArchitecture, "model.architecture");
        }
        var ref = spec.dataset();
        var dataset = ref == null
                ? null
                : datasets.find(ref.id())
                        .filter(d -> d.tenant().equals(tenant))
                        .orElseThrow(() ->
                                new InvalidSpecException("dataset.id", "dataset " + ref.id() + " does not exist"));
        // a model reference names a registered model or brings a new architecture, never both
        ModelArchitecture architecture = spec.model().architecture();
        String name;
        if (architecture == null) {
            var id = spec.requireModelId();
            var model = models.find(id)
                    .filter(m -> m.tenant().equals(tenant))
                    .orElseThrow(() -> new InvalidSpecException("model.id", "model " + id + " does not exist"));
            architecture = model.architecture();
            name = "'" + model.name() + "'";
        } else {
            name = "(new)";
        }
        JobInputCheck.check(spec, architecture, name, dataset);
        if (spec.type() == JobType.TRAINING
                && architecture instanceof DenseArchitecture dense
                && dense.task() == Task.CLASSIFICATION) {
            // the input check requires both of a dense training job
            String label = ref == null ? null : ref.label();
            if (dataset == null || label == null) {
                throw new IllegalStateException("a training job passed its input check without a dataset and label");
            }
            labels.checkClasses(dataset, label, dense.outputs());
        }
        if (spec.generation() != null) {
            InvalidSpecException.require(
                    spec.generation().maxTokens() <= settings.maxGenerationTokens(),
                    "generation.maxTokens",
                    "must be at most " + settings.maxGenerationTokens() + " (shardflow.api."
                            + "max-generation-tokens), was " + spec.generation().maxTokens());
        }
        // planning now refuses a split the model cannot take (too many shards, say) with a 400
        Plan plan = null;
        if (spec.type() == JobType.INFERENCE) {
            long rows = Prompts.inferenceRows(spec, architecture, name, dataset, datasets.text(dataset));
            if (architecture instanceof GptArchitecture) {
                limits.checkPrompts(rows, spec.input() != null ? "input.prompts" : "dataset.id");
            }
            plan = ParallelPlanner.plan(spec.parallelism(), architecture, rows, fleet());
        }
        return new Checked(architecture, dataset, plan);
    }

    /**
     * About the bytes a job's result will store: a trained model's parameters; for inference, the outputs' float32
     * values, or for a gpt each prompt's completion at its longest.
     */
    private static long resultBytes(JobSpec spec, Checked checked) {
        var architecture = checked.architecture();
        if (spec.type() == JobType.TRAINING) {
            return architecture.parameterBytes();
        }
        long rows = checked.inferencePlan().rows();
        return switch (architecture) {
            case GptArchitecture gpt ->
                rows * (spec.generation() == null ? 0 : spec.generation().maxTokens());
            case DenseArchitecture dense -> rows * dense.outputs() * Float.BYTES;
        };
    }
}
