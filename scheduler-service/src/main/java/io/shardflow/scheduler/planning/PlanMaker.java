package io.shardflow.scheduler.planning;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.generation.Prompts;
import io.shardflow.core.jobs.JobInputCheck;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.planning.ParallelPlanner;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.planning.TrainingPlanner;
import io.shardflow.core.training.TrainingPlan;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.datasets.DatasetRow;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.models.ModelRow;
import io.shardflow.db.workers.WorkerRegistry;
import io.shardflow.scheduler.SchedulerSettings;
import io.shardflow.scheduler.training.TrainingPreparation;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Decides a job's plan: checks the job against its stored model and dataset (a problem is an
 * {@link InvalidSpecException} naming the field) and splits it for the fleet as the workers' heartbeats describe it
 * now. A training job's initial parameters are stored on the way, so call it in the planning transaction.
 */
public class PlanMaker {
    private final ModelRepository models;
    private final DatasetRepository datasets;
    private final WorkerRegistry workers;
    private final TrainingPreparation preparation;
    private final SchedulerSettings settings;

    public PlanMaker(
            ModelRepository models,
            DatasetRepository datasets,
            WorkerRegistry workers,
            TrainingPreparation preparation,
            SchedulerSettings settings) {
        this.models = models;
        this.datasets = datasets;
        this.workers = workers;
        this.preparation = preparation;
        this.settings = settings;
    }

    public Plan planOf(JobRow job) {
        var spec = job.spec();
        var ref = spec.dataset();
        @Nullable DatasetRow dataset = ref == null ? null : dataset(ref.id(), job.tenant());
        if (spec.type() == JobType.TRAINING) {
            var target = preparation.target(spec, job.tenant());
            JobInputCheck.check(spec, target.architecture(), target.name(), dataset);
            if (dataset == null) {
                throw new InvalidSpecException("dataset", "is required");
            }
            var layout = TrainingPlanner.plan(
                    spec.parallelism(), target.architecture(), spec.requireTraining(), dataset.rows(), fleet());
            var split = layout.split() ? layout.model() : null;
            TrainingPlan training = preparation.prepare(job.id(), spec, target, dataset, split);
            return split != null
                    ? new Plan.ModelParallelTraining(dataset.rows(), layout.shards(), training, split)
                    : new Plan.DataParallelTraining(dataset.rows(), layout.shards(), training, layout.model());
        }
        var modelId = spec.requireModelId();
        ModelRow model = models.find(modelId)
                .filter(m -> m.tenant().equals(job.tenant()))
                .orElseThrow(() -> new InvalidSpecException("model.id", "model " + modelId + " does not exist"));
        String name = "'" + model.name() + "'";
        JobInputCheck.check(spec, model.architecture(), name, dataset);
        long rows = Prompts.inferenceRows(spec, model.architecture(), name, dataset, datasets.text(dataset));
        var fleet = fleet();
        var plan = ParallelPlanner.plan(spec.parallelism(), model.architecture(), rows, fleet);
        if (plan.partitionBytes() > fleet.modelCapBytes()) {
            // admission would give its shards to no lane: say so now rather than let them wait
            throw new InvalidSpecException(
                    "parallelism",
                    "a model shard of " + plan.partitionBytes() + " bytes exceeds the largest max-model-bytes of "
                            + fleet.modelCapBytes() + " among the live workers, so no lane can load it; split the "
                            + "model (TENSOR or PIPELINE, or AUTO to choose)");
        }
        return plan;
    }

    private DatasetRow dataset(UUID id, String tenant) {
        return datasets.find(id)
                .filter(d -> d.tenant().equals(tenant))
                .orElseThrow(() -> new InvalidSpecException("dataset.id", "dataset " + id + " does not exist"));
    }

    private ParallelPlanner.Fleet fleet() {
        return workers.fleet(settings.workerFreshness(), settings.fallbackShards());
    }
}
