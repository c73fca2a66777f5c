package io.shardflow.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.db.quotas.TenantLoad;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What tenants use, counted from the rows: open jobs through the partial index (never the tenant's history), lanes
 * held, and lane-time per minute. Prints what a submission's lock and count cost with thousands of open jobs.
 */
class TenantLoadIT {
    private final TestDatabase db = TestDatabase.get();
    private final TenantLoad load = new TenantLoad(db.jdbc);

    private void jobs(String tenant, String status, int count) {
        db.jdbc.sql("""
                        insert into jobs (id, tenant, type, status, spec)
                        select gen_random_uuid(), ?, 'INFERENCE', ?, '{}'::jsonb from generate_series(1, ?)""").params(tenant, status, count).update();
    }

    private UUID job(String tenant) {
        var id = UUID.randomUUID();
        db.jdbc
                .sql("insert into jobs (id, tenant, type, status, spec) values (?, ?, 'INFERENCE', 'RUNNING', '{}')")
                .params(id, tenant)
                .update();
        return id;
    }

    private void shard(UUID job, int index, String status, Instant started, Instant finished, boolean takesLane) {
        db.jdbc
                .sql("""
                        insert into shards (job_id, step, stage, shard_index, status, row_start, row_end, max_attempts,
                                            started_at, finished_at, takes_lane)
                        values (?, 0, 0, ?, ?, 0, 1, 3, ?, ?, ?)""")
                .params(
                        job,
                        index,
                        status,
                        Timestamp.from(started),
                        finished == null ? null : Timestamp.from(finished),
                        takesLane)
                .update();
    }

    @Test
    void openJobsAreCountedThroughTheirIndexAndTheQueueLockIsCheap() {
        var tenant = "load-" + UUID.randomUUID();
        jobs(tenant, "SUCCEEDED", 20_000);
        jobs(tenant, "QUEUED", 3_000);
        jobs(tenant, "RUNNING", 2_000);
        // as autovacuum leaves it: the visibility map lets the count read the index alone
        db.jdbc.sql("vacuum analyze jobs").update();

        assertThat(load.queuedJobs(tenant)).isEqualTo(5_000);
        var plan = String.join(
                "\n",
                db.jdbc
                        .sql("explain select count(*) from jobs where tenant = ? and status in "
                                + "('QUEUED', 'PLANNING', 'RUNNING', 'AGGREGATING')")
                        .param(tenant)
                        .query(String.class)
                        .list());
        assertThat(plan).contains("jobs_unfinished");

        int rounds = 200;
        long bare = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            db.tx.executeWithoutResult(s -> load.lockQueue(tenant));
        }
        bare = System.nanoTime() - bare;
        long started = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            db.tx.executeWithoutResult(s -> {
                load.lockQueue(tenant);
                load.queuedJobs(tenant);
            });
        }
        System.out.printf(
                "a transaction with the queue lock: %.2f ms; with the lock and a count of 5,000 open jobs (20,000 "
                        + "ended): %.2f ms%n",
                bare / 1e6 / rounds, (System.nanoTime() - started) / 1e6 / rounds);
    }

    @Test
    void laneTimeIsSplitIntoMinutesAndRunningShardsCountUntilNow() {
        var now = Instant.now().truncatedTo(ChronoUnit.MINUTES);
        var a = "lanes-a-" + UUID.randomUUID();
        var b = "lanes-b-" + UUID.randomUUID();
        var jobA = job(a);
        var jobB = job(b);
        // a: 90 s across the last two minutes' border, and a shard still running since 30 s ago
        shard(jobA, 0, "DONE", now.minusSeconds(150), now.minusSeconds(60), true);
        shard(jobA, 1, "RUNNING", now.minusSeconds(30), null, true);
        // b: 60 s in the last minute, and one that joins a batch (holds no lane)
        shard(jobB, 0, "DONE", now.minusSeconds(60), now, true);
        shard(jobB, 1, "RUNNING", now.minusSeconds(60), null, false);

        var times = load.laneTime(now, Duration.ofMinutes(1), 3).stream()
                .filter(t -> t.tenant().equals(a) || t.tenant().equals(b))
                .toList();

        assertThat(times)
                .containsExactly(
                        new TenantLoad.LaneTime(now.minusSeconds(180), a, 30),
                        new TenantLoad.LaneTime(now.minusSeconds(120), a, 60),
                        new TenantLoad.LaneTime(now.minusSeconds(60), a, 30),
                        new TenantLoad.LaneTime(now.minusSeconds(60), b, 60));
        assertThat(load.runningShards(a)).isEqualTo(1);
        assertThat(load.runningShards(b)).isZero();
        assertThat(load.busy()).contains(new TenantLoad.Use(a, 1, 1), new TenantLoad.Use(b, 0, 1));
    }
}
