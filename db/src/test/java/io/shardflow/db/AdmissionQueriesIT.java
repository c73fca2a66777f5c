package io.shardflow.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.lanes.LaneRegistry;
import io.shardflow.db.quotas.QuotaDefaults;
import io.shardflow.db.quotas.TenantQuota;
import io.shardflow.db.quotas.TenantQuotas;
import io.shardflow.db.shards.NewShard;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardQueue;
import io.shardflow.db.shards.ShardRepository;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What admission and the lanes read and write of the database: slots held by one lane at a time, and when a running
 * shard's slice should give its lane up.
 */
class AdmissionQueriesIT {
    private static final QuotaDefaults DEFAULTS = new QuotaDefaults(0, 0, 1, Duration.ofSeconds(30));
    private static final int PRIORITY = 97;

    private final TestDatabase db = TestDatabase.get();
    private final MutableClock clock = MutableClock.frozen();
    private final JobRepository jobs = new JobRepository(db.jdbc, clock);
    private final ShardRepository shards = new ShardRepository(db.jdbc, db.template, clock);
    private final ShardQueue queue = new ShardQueue(db.jdbc);
    private final LaneRegistry lanes = new LaneRegistry(db.jdbc, clock);
    private final TenantQuotas quotas = new TenantQuotas(db.jdbc, DEFAULTS, clock);
    private final String suffix = UUID.randomUUID().toString().substring(0, 8);

    /** Another test's waiting shards must not count here: each removes its jobs (their shards go with them). */
    @AfterEach
    void removeJobs() {
        db.jdbc.sql("delete from jobs where tenant like ?").param("%" + suffix).update();
        db.jdbc
                .sql("delete from tenant_quotas where tenant like ?")
                .param("%" + suffix)
                .update();
    }

    /** A RUNNING job of {@code tenant} at {@code priority} with one shard, PENDING, of {@code needBytes}. */
    private ShardKey waiting(String tenant, int priority, long needBytes) {
        var id = jobs.insert(UUID.randomUUID(), tenant + suffix, JobSpecs.anInference(), null);
        jobs.transition(id, JobStatus.QUEUED, JobStatus.PLANNING);
        jobs.transition(id, JobStatus.PLANNING, JobStatus.RUNNING);
        jobs.setPriority(id, priority);
        var key = new ShardKey(id, 0, 0, 0);
        shards.insertPending(List.of(new NewShard(key, 0, 100, 3, needBytes, true)));
        return key;
    }

    /** A shard of {@code tenant} running on a lane of its own. */
    private ShardKey running(String tenant, int priority) {
        var key = waiting(tenant, priority, 0);
        var lease = clock.instant().plusSeconds(60);
        assertThat(shards.assign(key, 1, "w-" + suffix, 1000, lease)).isPresent();
        assertThat(shards.start(key, 1, "w-" + suffix, lease)).isTrue();
        return key;
    }

    @Test
    void eachTenantsQueueIsReadHeadFirstAndFollowsItsJobsPriority() {
        var first = waiting("a", PRIORITY - 10, 0);
        var later = waiting("a", PRIORITY - 20, 0);
        var other = waiting("b", PRIORITY - 10, 0);

        assertThat(heads(1)).as("the head of each tenant's queue").containsExactly(first, other);
        assertThat(heads(2)).containsExactly(first, later, other);

        // a job's new priority reaches its waiting shards: the later one is now the head
        jobs.setPriority(later.jobId(), PRIORITY + 10);
        assertThat(heads(1)).containsExactly(later, other);
        assertThat(queue.waiting(1).stream().filter(w -> w.key().equals(later)))
                .singleElement()
                .satisfies(w -> assertThat(w.priority()).isEqualTo(PRIORITY + 10));
    }

    @Test
    void aPassReadsTheHeadOfALongQueueEvenWhereTheStatisticsSawItEmpty() {
        // statistics taken when many one-shard jobs had run and none waited: a planner trusting them joins the whole
        // queue with every unfinished job and sorts
        int waiting = 3_000;
        oneShardJobs("done", "SUCCEEDED", "DONE", 4 * waiting);
        db.jdbc.sql("analyze shards").update();
        db.jdbc.sql("analyze jobs").update();
        oneShardJobs("long", "RUNNING", "PENDING", waiting);

        var plan = db.jdbc
                .sql("explain (analyze, buffers, format json) " + ShardQueue.headsStatement(true))
                .param("per", 18)
                .query(String.class)
                .single();
        long blocks = Pattern.compile("\"Shared Hit Blocks\": (\\d+)")
                .matcher(plan)
                .results()
                .mapToLong(m -> Long.parseLong(m.group(1)))
                .findFirst() // the plan's root, all of its execution (planning's own come last)
                .orElseThrow();
        // the head's 18 rows, their jobs, the index's path to them; reading the queue would touch every shard's row
        assertThat(blocks).as(plan).isLessThan(waiting / 10);
        assertThat(heads(18)).hasSize(18);
    }

    /** {@code count} jobs of {@code tenant} in {@code status}, each with one shard in {@code shardStatus}. */
    private void oneShardJobs(String tenant, String status, String shardStatus, int count) {
        db.jdbc
                .sql("""
                        with made as (
                          insert into jobs (id, tenant, type, status, priority, spec)
                          select gen_random_uuid(), ?, 'INFERENCE', ?, ?, '{}'::jsonb from generate_series(1, ?)
                          returning id)
                        insert into shards (job_id, step, stage, shard_index, status, row_start, row_end, attempt,
                          max_attempts, need_bytes, takes_lane, queued_at)
                        select id, 0, 0, 0, ?, 0, 1, 0, 3, 0, true, clock_timestamp() from made""")
                .params(tenant + suffix, status, PRIORITY, count, shardStatus)
                .update();
    }

    private List<ShardKey> heads(int perTenant) {
        return queue.waiting(perTenant).stream()
                .filter(w -> w.tenant().endsWith(suffix))
                .map(ShardQueue.Waiting::key)
                .toList();
    }

    @Test
    void aSliceYieldsToAHigherPriorityThatFitsItsLane() {
        var mine = running("a", PRIORITY);
        assertThat(queue.betterWaiting(mine, Long.MAX_VALUE, quotas, DEFAULTS, clock.instant()))
                .isFalse();

        waiting("b", PRIORITY + 1, 5_000);

        assertThat(queue.betterWaiting(mine, 1_000, quotas, DEFAULTS, clock.instant()))
                .as("the waiting shard does not fit this lane")
                .isFalse();
        assertThat(queue.betterWaiting(mine, 10_000, quotas, DEFAULTS, clock.instant()))
                .isTrue();
    }

    @Test
    void aSliceYieldsToAnotherTenantBelowItsFairShareOnly() {
        var first = running("a", PRIORITY - 1);
        waiting("b", PRIORITY - 1, 0);

        assertThat(queue.betterWaiting(first, Long.MAX_VALUE, quotas, DEFAULTS, clock.instant()))
                .as("a holds one lane, b none: giving it up would leave a with none")
                .isFalse();

        running("a", PRIORITY - 1);
        // fair share counts from the last tenant's arrival (these jobs', made at the frozen clock's instant)
        clock.advance(Duration.ofSeconds(5));
        assertThat(queue.betterWaiting(first, Long.MAX_VALUE, quotas, DEFAULTS, clock.instant()))
                .as("a holds two lanes and had 10 lane-seconds since b came, b none")
                .isTrue();

        running("a", PRIORITY - 1);
        quotas.put(new TenantQuota("b" + suffix, 1, null, 1, null));
        running("b", PRIORITY - 2);
        assertThat(queue.betterWaiting(first, Long.MAX_VALUE, quotas, DEFAULTS, clock.instant()))
                .as("a holds three lanes, b one, but one is b's maxRunningShards")
                .isFalse();
    }

    @Test
    void aWaitingShardOfTheSameTenantAndPriorityIsNoReasonToYield() {
        var mine = running("a", PRIORITY - 3);
        waiting("a", PRIORITY - 3, 0);
        running("a", PRIORITY - 3);

        assertThat(queue.betterWaiting(mine, Long.MAX_VALUE, quotas, DEFAULTS, clock.instant()))
                .isFalse();
    }

    @Test
    void fairShareCountsEachTenantsLaneSecondsSinceTheLastTenantArrived() {
        var now = clock.instant();
        var a = running("a", PRIORITY - 5);
        var b = running("b", PRIORITY - 5);
        // a's shard has run 20 s, b's 5 s; a's finished shard ran from 60 s ago to 30 s ago
        db.jdbc
                .sql("update shards set started_at = ? where job_id = ?")
                .params(java.sql.Timestamp.from(now.minusSeconds(20)), a.jobId())
                .update();
        db.jdbc
                .sql("update shards set started_at = ? where job_id = ?")
                .params(java.sql.Timestamp.from(now.minusSeconds(5)), b.jobId())
                .update();
        var done = new ShardKey(a.jobId(), 0, 0, 1);
        shards.insertPending(List.of(new NewShard(done, 100, 200, 3)));
        db.jdbc
                .sql("update shards set status = 'DONE', started_at = ?, finished_at = ? where job_id = ? "
                        + "and shard_index = 1")
                .params(
                        java.sql.Timestamp.from(now.minusSeconds(60)),
                        java.sql.Timestamp.from(now.minusSeconds(30)),
                        a.jobId())
                .update();

        var window = queue.load(now.minusSeconds(45), now);
        assertThat(window.get("a" + suffix).laneSeconds()).isCloseTo(35, within(0.01)); // 20 + the last 15 of 30
        assertThat(window.get("b" + suffix).laneSeconds()).isCloseTo(5, within(0.01));
        assertThat(window.get("a" + suffix).running()).isEqualTo(1);
        // what a lone tenant's pass reads instead: the lanes held, no lane-time
        var held = queue.held();
        assertThat(held.get("a" + suffix)).isEqualTo(new ShardQueue.TenantLoad("a" + suffix, 1, null, 0));
        assertThat(held.get("b" + suffix).running()).isEqualTo(1);

        // b's job was made after a's: since then, a's history does not count against it
        db.jdbc
                .sql("update jobs set created_at = ? where id = ?")
                .params(java.sql.Timestamp.from(now.minusSeconds(60)), a.jobId())
                .update();
        db.jdbc
                .sql("update jobs set created_at = ? where id = ?")
                .params(java.sql.Timestamp.from(now.minusSeconds(8)), b.jobId())
                .update();
        var since = queue.fairShareSince(now, Duration.ofSeconds(45));
        assertThat(since).isAfterOrEqualTo(now.minusSeconds(8).minusMillis(1));
        var fresh = queue.load(since, now);
        assertThat(fresh.get("a" + suffix).laneSeconds()).isLessThanOrEqualTo(8.01);
    }

    @Test
    void aSplitShardKeepsItsRowsDoneAndQueuesTheRestInItsPlace() {
        var key = running("a", PRIORITY - 4);
        var queuedAt =
                queue.waiting(1000).stream().filter(w -> w.key().equals(key)).findFirst();
        assertThat(queuedAt).as("a running shard is not waiting").isEmpty();

        var rest = db.tx.execute(s -> shards.split(key, 1, 40)).orElseThrow();

        assertThat(rest).isEqualTo(new ShardKey(key.jobId(), 0, 0, 1));
        assertThat(shards.find(key).orElseThrow().rowEnd()).isEqualTo(40);
        var queued = shards.find(rest).orElseThrow();
        assertThat(queued.rowStart()).isEqualTo(40);
        assertThat(queued.rowEnd()).isEqualTo(100);
        assertThat(queued.attempt()).isEqualTo(1);
        assertThat(shards.split(key, 2, 60))
                .as("a stale attempt splits nothing")
                .isEmpty();
        assertThat(shards.split(key, 1, 40)).as("nothing past its end").isEmpty();
    }

    @Test
    void twoLanesNeverHoldOneSlotAndALapsedSlotIsClaimedAgain() throws Exception {
        db.jdbc.sql("delete from lanes").update();
        var claimed = ConcurrentHashMap.<Integer>newKeySet();
        var lease = clock.instant().plusSeconds(10);
        try (var pool = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < 8; i++) {
                int lane = i;
                pool.submit(() -> {
                    var slot = lanes.claim("w" + lane + suffix, 0, "cpu()", null, 6, lease);
                    slot.ifPresent(s -> assertThat(claimed.add(s)).isTrue());
                });
            }
            pool.shutdown();
            assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(claimed).as("six slots, eight lanes").hasSize(6);
        Set<Integer> held =
                new HashSet<>(lanes.list().stream().map(l -> l.slot()).toList());
        assertThat(held).isEqualTo(claimed);

        assertThat(lanes.claim("late" + suffix, 0, "cpu()", null, 6, lease)).isEmpty();
        clock.advance(Duration.ofSeconds(11));
        var again = lanes.claim(
                "late" + suffix, 0, "cpu()", null, 6, clock.instant().plusSeconds(10));
        assertThat(again).isPresent();
        assertThat(lanes.renew(
                        "w0" + suffix, List.copyOf(claimed), clock.instant().plusSeconds(10)))
                .as("a lane whose slot was taken keeps nothing")
                .doesNotContain(again.getAsInt());
        db.jdbc.sql("delete from lanes").update();
    }
}
