package io.shardflow.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.db.events.JobEventLog;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRetention;
import io.shardflow.db.shards.NewShard;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Retention deletes the jobs that ended before a time, with what is theirs, and nothing else: not a job that ended
 * later, not one that has not ended. (Its clock stands ten years back, so no other test's job is old enough.)
 */
class JobRetentionIT {
    private final TestDatabase db = TestDatabase.get();
    private final MutableClock clock = MutableClock.frozen();
    private final JobRepository jobs = new JobRepository(db.jdbc, clock);
    private final ShardRepository shards = new ShardRepository(db.jdbc, db.template, clock);
    private final JobEventLog timeline = new JobEventLog(db.jdbc, clock);

    private UUID job() {
        return jobs.insert(UUID.randomUUID(), "retention", JobSpecs.anInference(), null);
    }

    private long count(String table, UUID jobId) {
        return db.jdbc
                .sql("select count(*) from " + table + " where job_id = ?")
                .param(jobId)
                .query(Long.class)
                .single();
    }

    @Test
    void endedJobsOlderThanTheAgeGoWithTheirShardsAndTimelines() {
        clock.advance(Duration.ofDays(-3650));
        var old = job();
        shards.insertPending(List.of(new NewShard(new ShardKey(old, 0, 0, 0), 0, 10, 3)));
        timeline.append(old, "io.shardflow.job.queued", null);
        assertThat(jobs.finishUnlessTerminal(old, JobStatus.FAILED, "broken")).isTrue();
        var oldCancelled = job();
        assertThat(jobs.finishUnlessTerminal(oldCancelled, JobStatus.CANCELLED, null))
                .isTrue();
        var stillQueued = job();
        clock.advance(Duration.ofDays(10));
        var recent = job();
        assertThat(jobs.finishUnlessTerminal(recent, JobStatus.CANCELLED, null)).isTrue();

        int deleted = new JobRetention(jobs).deleteEndedBefore(clock.instant().minus(Duration.ofDays(5)), 10);

        assertThat(deleted).isEqualTo(2);
        assertThat(jobs.find(old)).isEmpty();
        assertThat(jobs.find(oldCancelled)).isEmpty();
        assertThat(count("shards", old)).isZero();
        assertThat(count("job_events", old)).isZero();
        assertThat(jobs.find(stillQueued)).as("not ended: kept however old").isPresent();
        assertThat(jobs.find(recent)).as("ended after the time").isPresent();
    }

    @Test
    void aDeletionStopsAtItsLimit() {
        clock.advance(Duration.ofDays(-5000)); // before the other test's jobs: this one deletes everything older
        for (int i = 0; i < 3; i++) {
            assertThat(jobs.finishUnlessTerminal(job(), JobStatus.FAILED, "old"))
                    .isTrue();
        }
        var before = clock.instant().plusSeconds(1);

        assertThat(new JobRetention(jobs).deleteEndedBefore(before, 2)).isEqualTo(2);
        assertThat(new JobRetention(jobs).deleteEndedBefore(before, 2)).isEqualTo(1);
        assertThat(new JobRetention(jobs).deleteEndedBefore(before, 2)).isZero();
    }
}
