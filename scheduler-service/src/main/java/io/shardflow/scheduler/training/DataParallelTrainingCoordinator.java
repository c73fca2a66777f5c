package io.shardflow.scheduler.training;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.training.TrainingPlan;
import io.shardflow.core.training.TrainingProgress;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.shards.Rounds;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.scheduler.coordination.EarlierPlans;
import io.shardflow.scheduler.coordination.JobCoordinator;
import io.shardflow.scheduler.dispatch.Dispatcher;

/**
 * Data-parallel training: each round, every data shard computes from the same parameter version (gradients, or
 * local steps); when the round's last shard is DONE the parameter server merges them and starts the next round.
 */
public class DataParallelTrainingCoordinator implements JobCoordinator<Plan.DataParallelTraining> {
    private final JobRepository jobs;
    private final Rounds rounds;
    private final Dispatcher dispatcher;
    private final TrainingRounds server;
    private final EarlierPlans earlier;

    DataParallelTrainingCoordinator(
            JobRepository jobs, Rounds rounds, Dispatcher dispatcher, TrainingRounds server, EarlierPlans earlier) {
        this.jobs = jobs;
        this.rounds = rounds;
        this.dispatcher = dispatcher;
        this.server = server;
        this.earlier = earlier;
    }

    @Override
    public int totalShards(JobRow job, Plan.DataParallelTraining plan) {
        return plan.dataShards();
    }

    @Override
    public void start(JobRow job, Plan.DataParallelTraining plan) {
        jobs.recordTraining(job.id(), TrainingProgress.at(plan.training(), 0), null);
        dispatcher.startRound(job, plan, 0, TrainingPlan.COMPUTE_STAGE);
    }

    @Override
    public void shardDone(JobRow job, Plan.DataParallelTraining plan, ShardKey key) {
        // only a plan stored without a model plan (before this version) can be an earlier version's pipeline
        if (plan.model().modelBytes() == 0 && earlier.failIfEarlier(job)) {
            return;
        }
        if (rounds.completed(job, key).isPresent()
                && jobs.transition(job.id(), JobStatus.RUNNING, JobStatus.AGGREGATING)) {
            server.roundCompleted(run(job, plan), key.step(), key.stage());
        }
    }

    @Override
    public void resume(JobRow job, Plan.DataParallelTraining plan) {
        rounds.latest(job).ifPresent(key -> shardDone(job, plan, key));
    }

    private TrainingRun run(JobRow job, Plan.DataParallelTraining plan) {
        return new TrainingRun(
                job, plan, plan.training(), step -> dispatcher.nextRound(job, plan, step, TrainingPlan.COMPUTE_STAGE));
    }
}
