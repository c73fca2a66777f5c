package io.shardflow.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.core.jobs.IllegalTransitionException;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.shards.ShardFailure;
import io.shardflow.core.shards.ShardStatus;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.shards.NewShard;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The status columns obey the enums and nothing else: from every status, each repository write that moves a job or a
 * shard succeeds exactly when {@link JobStatus} or {@link ShardStatus} allows the move, and otherwise the database
 * leaves the row as it was.
 */
class TransitionsIT {
    private final TestDatabase db = TestDatabase.get();
    private final Clock clock = Clock.systemUTC();
    private final JobRepository jobs = new JobRepository(db.jdbc, clock);
    private final ShardRepository shards = new ShardRepository(db.jdbc, db.template, clock);

    private UUID jobIn(JobStatus status) {
        var spec = JobSpecs.anInference();
        var id = jobs.insert(UUID.randomUUID(), "transitions", spec, null);
        db.jdbc
                .sql("update jobs set status = ? where id = ?")
                .params(status.name(), id)
                .update();
        return id;
    }

    private ShardKey shardIn(ShardStatus status) {
        var key = new ShardKey(jobIn(JobStatus.RUNNING), 0, 0, 0);
        shards.insertPending(List.of(new NewShard(key, 0, 10, 3)));
        db.jdbc
                .sql("update shards set status = ?, lease_until = ?, worker_id = 'w' where job_id = ?")
                .params(status.name(), java.sql.Timestamp.from(Instant.now().plusSeconds(60)), key.jobId())
                .update();
        return key;
    }

    private JobStatus statusOf(UUID job) {
        return jobs.find(job).orElseThrow().status();
    }

    private ShardStatus statusOf(ShardKey key) {
        return shards.find(key).orElseThrow().status();
    }

    @ParameterizedTest
    @EnumSource(JobStatus.class)
    void aJobMovesFromItsStatusExactlyWhereTheEnumAllows(JobStatus from) {
        for (var to : JobStatus.values()) {
            var id = jobIn(from);
            if (from.canMoveTo(to)) {
                assertThat(jobs.transition(id, from, to))
                        .as("%s -> %s", from, to)
                        .isTrue();
                assertThat(statusOf(id)).isEqualTo(to);
            } else {
                assertThatThrownBy(() -> jobs.transition(id, from, to)).isInstanceOf(IllegalTransitionException.class);
                assertThat(statusOf(id)).isEqualTo(from);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(JobStatus.class)
    void aJobIsOnlyMovedFromTheStatusTheWriterExpects(JobStatus actual) {
        for (var expected : JobStatus.values()) {
            for (var to : expected.next()) {
                if (expected == actual) {
                    continue;
                }
                var id = jobIn(actual);
                assertThat(jobs.transition(id, expected, to))
                        .as("%s -> %s on a job that is %s", expected, to, actual)
                        .isFalse();
                assertThat(statusOf(id)).isEqualTo(actual);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(JobStatus.class)
    void aJobEndsFromWhateverStatusMayReachTheEnd(JobStatus from) {
        for (var end : List.of(JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)) {
            var id = jobIn(from);
            boolean allowed = from.canMoveTo(end);
            assertThat(jobs.finishUnlessTerminal(id, end, "why"))
                    .as("%s -> %s", from, end)
                    .isEqualTo(allowed);
            assertThat(statusOf(id)).isEqualTo(allowed ? end : from);
        }
    }

    @ParameterizedTest
    @EnumSource(ShardStatus.class)
    void aShardMovesFromItsStatusExactlyWhereTheEnumAllows(ShardStatus from) {
        var lease = Instant.now().plusSeconds(60);
        assertMove(
                from,
                ShardStatus.DISPATCHED,
                from::canMoveTo,
                key -> shards.assign(key, 1, "w", 0, lease).isPresent());
        assertMove(from, ShardStatus.RUNNING, from::canMoveTo, key -> shards.start(key, 1, "w", lease));
        assertMove(from, ShardStatus.DONE, from::canMoveTo, key -> shards.complete(key, 1));
        assertMove(from, ShardStatus.FAILED, from::canMoveTo, key -> shards.fail(key, 1, "why", ShardFailure.COMPUTE));
        // another attempt: back to PENDING, queued for admission again
        assertMove(
                from,
                ShardStatus.PENDING,
                from::canMoveTo,
                key -> shards.requeue(key, 1, "why", ShardFailure.LEASE_EXPIRED).isPresent());
        assertMove(
                from,
                ShardStatus.FAILED,
                from::canMoveTo,
                key -> shards.abandonUnfinished(key.jobId(), "job ended") == 1);
    }

    private void assertMove(
            ShardStatus from, ShardStatus to, Predicate<ShardStatus> allowed, Predicate<ShardKey> move) {
        var key = shardIn(from);
        boolean moved = move.test(key);
        assertThat(moved).as("%s -> %s", from, to).isEqualTo(allowed.test(to));
        assertThat(statusOf(key)).isEqualTo(moved ? to : from);
    }
}
