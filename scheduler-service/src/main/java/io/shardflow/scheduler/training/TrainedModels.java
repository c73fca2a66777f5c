package io.shardflow.scheduler.training;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.training.Preprocessing;
import io.shardflow.core.training.TrainingMetrics;
import io.shardflow.core.training.TrainingPlan;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.messaging.JobEventPublisher;
import java.util.UUID;
import java.util.function.Function;

/**
 * The end of a training job, whatever split it: registers the trained parameters as a model with their lineage
 * (the job, the dataset, the final metrics, the feature scaling), and moves the job AGGREGATING → SUCCEEDED.
 */
final class TrainedModels {
    private final JobRepository jobs;
    private final ModelRepository models;
    private final JobEventPublisher events;

    TrainedModels(JobRepository jobs, ModelRepository models, JobEventPublisher events) {
        this.jobs = jobs;
        this.models = models;
        this.events = events;
    }

    /** Registers the model, {@code parameters} making each named parameter as it is stored (one at a time). */
    void register(
            JobRow job,
            TrainingPlan training,
            Function<String, Tensor> parameters,
            TrainingMetrics metrics,
            int steps) {
        var spec = job.spec();
        var modelId = UUID.randomUUID();
        String name = spec.requireTraining().resultName() != null
                ? spec.requireTraining().resultName()
                : spec.model().name() != null ? spec.model().name() : "trained by job " + job.id();
        var preprocessing = training.scaling() == null ? null : new Preprocessing(training.scaling());
        models.create(
                modelId,
                job.tenant(),
                name,
                training.architecture(),
                parameters,
                new ModelRepository.Lineage(job.id(), spec.requireDataset().id(), metrics, preprocessing));
        jobs.recordResultModel(job.id(), modelId);
        jobs.transition(job.id(), JobStatus.AGGREGATING, JobStatus.SUCCEEDED);
        events.publish(jobs.find(job.id()).orElseThrow(), "trained model " + modelId + " after " + steps + " steps");
    }
}
