package io.shardflow.scheduler.dispatch;

import io.shardflow.core.messaging.TaskKind;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.planning.RowRange;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.shards.NewShard;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.scheduler.admission.Admission;
import java.util.ArrayList;
import java.util.List;

/**
 * Queues a job's shards as PENDING rows, each with what a lane needs to run it, and has {@link Admission} give them
 * lanes.
 */
public class Dispatcher {
    private final ShardRepository shards;
    private final Admission admission;

    public Dispatcher(ShardRepository shards, Admission admission) {
        this.shards = shards;
        this.admission = admission;
    }

    /** A shard of the job over {@code rows}, with the job's attempts and what a lane needs to run it. */
    public static NewShard shard(JobRow job, Plan plan, ShardKey key, RowRange rows) {
        return new NewShard(
                key,
                rows.start(),
                rows.end(),
                job.spec().maxAttempts(),
                plan.partitionBytes(),
                plan.taskKind(key.step(), key.stage()) != TaskKind.GENERATE);
    }

    /** Queues a job's first round {@code (step, stage)}, one shard per data shard of the plan; returns how many. */
    public int startRound(JobRow job, Plan plan, int step, int stage) {
        var rows = roundOf(job, plan, step, stage);
        startShards(rows);
        return rows.size();
    }

    /** {@link #startRound} for a round a merge unblocked: see {@link #continueWith}. */
    public int nextRound(JobRow job, Plan plan, int step, int stage) {
        var rows = roundOf(job, plan, step, stage);
        continueWith(rows);
        return rows.size();
    }

    private static List<NewShard> roundOf(JobRow job, Plan plan, int step, int stage) {
        var rows = new ArrayList<NewShard>();
        for (int i = 0; i < plan.shards().size(); i++) {
            rows.add(shard(
                    job,
                    plan,
                    new ShardKey(job.id(), step, stage, i),
                    plan.shards().get(i)));
        }
        return rows;
    }

    /**
     * Queues the shards of a job being planned that do not exist yet (a round started twice starts once); a pass
     * after the commit admits them, so that a burst of jobs planned at once is admitted in a few passes.
     */
    public void startShards(List<NewShard> rows) {
        if (shards.insertPending(rows) > 0) {
            admission.wakeAfterCommit();
        }
    }

    /**
     * Queues the shards a merge unblocked (the next round, stage or step) and admits them in the caller's transaction
     * when no other admission pass runs at the moment, else by a pass after it commits: the lanes the merged round
     * freed take them without waiting for another transaction.
     */
    public void continueWith(List<NewShard> rows) {
        if (shards.insertPending(rows) > 0) {
            admission.passWithin();
        }
    }
}
