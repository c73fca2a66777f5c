package io.shardflow.db.shards;

import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Progress through rounds of shards that all run from the same input and merge together (data shards of an
 * inference, the rounds of data-parallel training): only the job's latest round can complete, so a late notice of
 * an earlier round changes nothing.
 */
public class Rounds {
    private final JobRepository jobs;
    private final ShardRepository shards;

    public Rounds(JobRepository jobs, ShardRepository shards) {
        this.jobs = jobs;
        this.shards = shards;
    }

    /**
     * Records the job's progress and, when {@code key}'s round is the job's latest and every shard of it is DONE,
     * returns how many shards it has.
     */
    public OptionalInt completed(JobRow job, ShardKey key) {
        var latest = shards.countRoundIfLatest(job.id(), key.step(), key.stage());
        if (latest.isEmpty()) {
            return OptionalInt.empty();
        }
        var round = latest.get();
        jobs.recordProgress(job.id(), round.done());
        return round.complete() ? OptionalInt.of(round.total()) : OptionalInt.empty();
    }

    /** A key of the job's latest round, to resume a job whose last notice was lost. */
    public Optional<ShardKey> latest(JobRow job) {
        return shards.latestRound(job.id()).map(round -> new ShardKey(job.id(), round.step(), round.stage(), 0));
    }
}
