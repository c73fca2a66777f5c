package io.shardflow.scheduler.coordination;

import io.shardflow.core.planning.Plan;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.shards.Rounds;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.messaging.OneRoundEnd;
import io.shardflow.scheduler.dispatch.Dispatcher;

/**
 * A job of one round of data shards that ends when the round's last shard is DONE: its partials are merged once,
 * by whichever notice completes the round (a late or repeated one finds the job no longer RUNNING).
 *
 * @param <P> the kind of plan
 */
public abstract class OneRoundCoordinator<P extends Plan> implements JobCoordinator<P> {
    protected final JobRepository jobs;
    private final Rounds rounds;
    private final Dispatcher dispatcher;
    private final OneRoundEnd end;

    protected OneRoundCoordinator(JobRepository jobs, Rounds rounds, Dispatcher dispatcher, OneRoundEnd end) {
        this.jobs = jobs;
        this.rounds = rounds;
        this.dispatcher = dispatcher;
        this.end = end;
    }

    /** Makes the result of the round {@code (step, stage)} whose shards are all DONE. */
    protected abstract void merge(JobRow job, int step, int stage);

    @Override
    public int totalShards(JobRow job, P plan) {
        return plan.dataShards();
    }

    @Override
    public void start(JobRow job, P plan) {
        dispatcher.startRound(job, plan, 0, 0);
    }

    @Override
    public void shardDone(JobRow job, P plan, ShardKey key) {
        end.shardDone(job, key, this::merge);
    }

    @Override
    public void resume(JobRow job, P plan) {
        rounds.latest(job).ifPresent(key -> shardDone(job, plan, key));
    }
}
