package io.shardflow.scheduler.training;

import io.shardflow.core.planning.Plan;
import io.shardflow.core.training.TrainingPlan;
import io.shardflow.db.jobs.JobRow;

/**
 * One training job as a coordinator hands it to the parameter server: the job, its plan, the training part of it,
 * and how the coordinator starts the compute of a step (data shards, or micro-batches through stages).
 */
record TrainingRun(JobRow job, Plan plan, TrainingPlan training, StepStarter steps) {

    /** Starts the compute round that begins at parameter version {@code step}. */
    @FunctionalInterface
    interface StepStarter {
        void start(int step);
    }
}
