package io.shardflow.scheduler.coordination;

import io.shardflow.core.planning.Plan;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.scheduler.generation.GenerationCoordinator;
import io.shardflow.scheduler.generation.PipelineGenerationCoordinator;
import io.shardflow.scheduler.inference.DataInferenceCoordinator;
import io.shardflow.scheduler.inference.ModelParallelCoordinator;
import io.shardflow.scheduler.training.DataParallelTrainingCoordinator;
import io.shardflow.scheduler.training.ModelParallelTrainingCoordinator;

/**
 * The coordinator of each kind of plan. The one switch over the kinds: a new kind of plan does not compile until it
 * has a coordinator here.
 */
public final class Coordinators {
    private final DataInferenceCoordinator dataInference;
    private final ModelParallelCoordinator modelParallel;
    private final GenerationCoordinator generation;
    private final PipelineGenerationCoordinator pipelinedGeneration;
    private final DataParallelTrainingCoordinator dataParallelTraining;
    private final ModelParallelTrainingCoordinator modelParallelTraining;

    public Coordinators(
            DataInferenceCoordinator dataInference,
            ModelParallelCoordinator modelParallel,
            GenerationCoordinator generation,
            PipelineGenerationCoordinator pipelinedGeneration,
            DataParallelTrainingCoordinator dataParallelTraining,
            ModelParallelTrainingCoordinator modelParallelTraining) {
        this.dataInference = dataInference;
        this.modelParallel = modelParallel;
        this.generation = generation;
        this.pipelinedGeneration = pipelinedGeneration;
        this.dataParallelTraining = dataParallelTraining;
        this.modelParallelTraining = modelParallelTraining;
    }

    /** The plan with the coordinator of its kind. */
    public Coordination<?> of(Plan plan) {
        return switch (plan) {
            case Plan.DataInference p -> new Coordination<>(dataInference, p);
            case Plan.ModelParallelInference p -> new Coordination<>(modelParallel, p);
            case Plan.Generation p -> new Coordination<>(generation, p);
            case Plan.PipelinedGeneration p -> new Coordination<>(pipelinedGeneration, p);
            case Plan.DataParallelTraining p -> new Coordination<>(dataParallelTraining, p);
            case Plan.ModelParallelTraining p -> new Coordination<>(modelParallelTraining, p);
        };
    }

    /** The planned job's plan with the coordinator of its kind. */
    public Coordination<?> of(JobRow job) {
        return of(job.planned());
    }

    /** A plan bound to its coordinator. */
    public record Coordination<P extends Plan>(JobCoordinator<P> coordinator, P plan) {
        public int totalShards(JobRow job) {
            return coordinator.totalShards(job, plan);
        }

        public void start(JobRow job) {
            coordinator.start(job, plan);
        }

        public void shardDone(JobRow job, ShardKey key) {
            coordinator.shardDone(job, plan, key);
        }

        public void resume(JobRow job) {
            coordinator.resume(job, plan);
        }
    }
}
