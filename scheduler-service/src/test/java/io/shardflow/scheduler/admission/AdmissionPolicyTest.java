package io.shardflow.scheduler.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.db.lanes.LaneRegistry.LiveLane;
import io.shardflow.db.quotas.TenantQuota;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardQueue.TenantLoad;
import io.shardflow.db.shards.ShardQueue.Waiting;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The queue discipline, rule by rule, on lanes and queues made up for each case. */
class AdmissionPolicyTest {
    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
    private static final Duration AGING = Duration.ofSeconds(10);

    private final AdmissionPolicy policy = new AdmissionPolicy(AGING);
    private final List<Waiting> waiting = new ArrayList<>();
    private final Map<String, TenantLoad> loads = new HashMap<>();
    private final Map<String, TenantQuota> quotas = new HashMap<>();
    private int nextIndex;

    private Waiting queue(String tenant, int priority, Duration waited, long needBytes, boolean takesLane) {
        var shard = new Waiting(
                new ShardKey(UUID.randomUUID(), 0, 0, nextIndex++),
                1,
                tenant,
                priority,
                NOW.minus(waited),
                needBytes,
                takesLane);
        waiting.add(shard);
        return shard;
    }

    private Waiting queue(String tenant, int priority, Duration waited) {
        return queue(tenant, priority, waited, 0, true);
    }

    private static List<LiveLane> idleLanes(int count) {
        var lanes = new ArrayList<LiveLane>();
        for (int slot = 0; slot < count; slot++) {
            lanes.add(new LiveLane(slot, "worker-" + slot / 2, null, false, 0, NOW.plusSeconds(10)));
        }
        return lanes;
    }

    /** Assigns as admission does, with the waiting shards in each tenant's queue order, as the query reads them. */
    private List<AdmissionPolicy.Assignment> assign(List<LiveLane> lanes) {
        var ordered = waiting.stream()
                .sorted(Comparator.comparing(Waiting::tenant)
                        .thenComparing(
                                Comparator.comparingInt(Waiting::priority).reversed())
                        .thenComparing(Waiting::queuedAt))
                .toList();
        return policy.assign(lanes, ordered, loads, quotas, NOW);
    }

    private static Map<String, Long> lanesPerTenant(List<AdmissionPolicy.Assignment> assignments) {
        return assignments.stream().collect(Collectors.groupingBy(a -> a.shard().tenant(), Collectors.counting()));
    }

    @Test
    void higherPriorityFirstThenTheLongestWaiting() {
        var old = queue("a", 0, Duration.ofSeconds(5));
        var urgent = queue("a", 100, Duration.ofMillis(1));
        var young = queue("a", 0, Duration.ofSeconds(1));

        assertThat(assign(idleLanes(1)))
                .extracting(AdmissionPolicy.Assignment::shard)
                .containsExactly(urgent);
        assertThat(assign(idleLanes(3)))
                .extracting(AdmissionPolicy.Assignment::shard)
                .containsExactly(urgent, old, young);
    }

    @Test
    void aSynchronousCallOfAnotherTenantGoesBeforeBatchWorkWhateverItsShare() {
        for (int i = 0; i < 20; i++) {
            queue("batch", 0, Duration.ofSeconds(9));
        }
        var call = queue("app", 100, Duration.ZERO);
        loads.put("app", new TenantLoad("app", 5, NOW, 100));

        assertThat(assign(idleLanes(1)))
                .extracting(AdmissionPolicy.Assignment::shard)
                .containsExactly(call);
    }

    @Test
    void tenantsWithEqualWeightsShareTheLanesWhateverTheirQueues() {
        for (int i = 0; i < 1000; i++) {
            queue("many", 0, Duration.ofSeconds(9));
        }
        for (int i = 0; i < 2; i++) {
            queue("few", 0, Duration.ofSeconds(1));
        }

        assertThat(lanesPerTenant(assign(idleLanes(4))))
                .containsEntry("many", 2L)
                .containsEntry("few", 2L);
    }

    @Test
    void aTenantThatHadTheLanesLatelyLetsTheOtherCatchUp() {
        for (int i = 0; i < 10; i++) {
            queue("a", 0, Duration.ofSeconds(9));
            queue("b", 0, Duration.ofSeconds(1));
        }
        loads.put("a", new TenantLoad("a", 3, NOW, 3.5));

        // each lane given counts a second: b catches up to a's 3.5 lane-seconds first; then they alternate
        assertThat(lanesPerTenant(assign(idleLanes(6)))).containsEntry("a", 1L).containsEntry("b", 5L);
    }

    @Test
    void atEqualLaneTimeTheTenantHoldingFewerLanesGoesFirst() {
        queue("a", 0, Duration.ofSeconds(9));
        queue("b", 0, Duration.ofSeconds(1));
        loads.put("a", new TenantLoad("a", 2, NOW, 4));
        loads.put("b", new TenantLoad("b", 1, NOW, 4));

        assertThat(assign(idleLanes(1))).extracting(a -> a.shard().tenant()).containsExactly("b");
    }

    @Test
    void overTimeLaneTimeFollowsTheWeights() {
        // two lanes, shards of a second, tenants that always have work: admission as lanes free, one at a time
        quotas.put("gold", new TenantQuota("gold", null, null, 2, null));
        var seconds = new HashMap<String, Double>(Map.of("gold", 0.0, "silver", 0.0));
        var lanes = new ArrayList<>(List.of("gold", "silver")); // who holds each lane now
        for (int tick = 0; tick < 300; tick++) {
            int freed = tick % 2;
            waiting.clear();
            queue("gold", 0, Duration.ofSeconds(1));
            queue("silver", 0, Duration.ofSeconds(1));
            for (var tenant : seconds.keySet()) {
                int held = (int) lanes.stream().filter(tenant::equals).count();
                loads.put(tenant, new TenantLoad(tenant, held, NOW, seconds.get(tenant)));
            }
            var lane = new LiveLane(freed, "w", null, false, 0, NOW.plusSeconds(10));
            var next = assign(List.of(lane)).getFirst().shard().tenant();
            lanes.set(freed, next);
            for (var holder : lanes) {
                seconds.merge(holder, 0.5, Double::sum);
            }
        }

        double gold = seconds.get("gold") / (seconds.get("gold") + seconds.get("silver"));
        assertThat(gold).isCloseTo(2.0 / 3, org.assertj.core.data.Offset.offset(0.05));
    }

    @Test
    void weightsSetTheShares() {
        for (int i = 0; i < 20; i++) {
            queue("gold", 0, Duration.ofSeconds(1));
            queue("bronze", 0, Duration.ofSeconds(9));
        }
        quotas.put("gold", new TenantQuota("gold", null, null, 3, null));
        quotas.put("bronze", new TenantQuota("bronze", null, null, 1, null));

        assertThat(lanesPerTenant(assign(idleLanes(8))))
                .containsEntry("gold", 6L)
                .containsEntry("bronze", 2L);
    }

    @Test
    void aTenantAtItsMaxRunningShardsGetsNoMoreAndTheLanesGoToOthers() {
        for (int i = 0; i < 10; i++) {
            queue("capped", 10, Duration.ofSeconds(9));
        }
        queue("other", 0, Duration.ZERO);
        quotas.put("capped", new TenantQuota("capped", 2, null, 1, null));
        loads.put("capped", new TenantLoad("capped", 1, NOW, 0));

        assertThat(lanesPerTenant(assign(idleLanes(4))))
                .containsEntry("capped", 1L)
                .containsEntry("other", 1L);
    }

    @Test
    void aShardGoesOnlyToALaneThatCanHoldItAndLargeLanesAreKeptForLargeShards() {
        var small = new LiveLane(0, "small-worker", 1_000L, false, 0, NOW.plusSeconds(10));
        var large = new LiveLane(1, "large-worker", 1_000_000L, false, 0, NOW.plusSeconds(10));
        var big = queue("a", 0, Duration.ofSeconds(9), 500_000, true);
        var tiny = queue("a", 0, Duration.ofSeconds(5), 10, true);
        var tooBig = queue("a", 0, Duration.ofSeconds(3), 5_000_000, true);

        var assignments = assign(List.of(large, small));

        assertThat(assignments)
                .extracting(a -> a.shard(), a -> a.lane().workerId())
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(big, "large-worker"),
                        org.assertj.core.groups.Tuple.tuple(tiny, "small-worker"));
        assertThat(assignments).extracting(AdmissionPolicy.Assignment::shard).doesNotContain(tooBig);
    }

    @Test
    void aShardNoIdleLaneCanHoldWaitsWhileTheShardsBehindItRun() {
        var small = new LiveLane(0, "small-worker", 1_000L, false, 0, NOW.plusSeconds(10));
        var first = queue("a", 50, Duration.ofSeconds(9), 500_000, true);
        var next = queue("a", 0, Duration.ofSeconds(5), 10, true);

        assertThat(assign(List.of(small)))
                .extracting(AdmissionPolicy.Assignment::shard)
                .containsExactly(next)
                .doesNotContain(first);
    }

    @Test
    void busyLanesAreOfferedNothing() {
        queue("a", 0, Duration.ofSeconds(1));
        var busy = new LiveLane(0, "w", null, true, 0, NOW.plusSeconds(10));

        assertThat(assign(List.of(busy))).isEmpty();
    }

    @Test
    void aTenantWaitingWithoutALaneRisesAPriorityLevelPerAgingInterval() {
        queue("low", 0, Duration.ofSeconds(25)); // never given a lane: 2 levels up
        queue("high", 1, Duration.ZERO);
        loads.put("high", new TenantLoad("high", 0, NOW, 0));

        assertThat(assign(idleLanes(1))).extracting(a -> a.shard().tenant()).containsExactly("low");

        // given a lane a moment ago, it has not waited long enough to rise
        loads.put("low", new TenantLoad("low", 1, NOW.minusSeconds(1), 0));
        assertThat(assign(idleLanes(1))).extracting(a -> a.shard().tenant()).containsExactly("high");
    }

    @Test
    void generationTasksJoinTheLeastLoadedWorkerThatCanHoldThemBusyOrNot() {
        var lanes = List.of(
                new LiveLane(0, "busy-worker", null, true, 0, NOW.plusSeconds(10)),
                new LiveLane(1, "loaded-worker", null, false, 5, NOW.plusSeconds(10)),
                new LiveLane(2, "small-worker", 10L, false, 0, NOW.plusSeconds(10)));
        var first = queue("a", 0, Duration.ofSeconds(2), 100, false);
        var second = queue("a", 0, Duration.ofSeconds(1), 100, false);

        var assignments = assign(lanes);

        assertThat(assignments)
                .extracting(a -> a.shard(), a -> a.lane().workerId())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(first, "busy-worker"),
                        org.assertj.core.groups.Tuple.tuple(second, "busy-worker"));
    }

    @Test
    void theSameInputsGiveTheSameAssignments() {
        for (int i = 0; i < 30; i++) {
            queue("t" + i % 3, i % 4, Duration.ofSeconds(i));
        }
        var lanes = idleLanes(7);

        assertThat(assign(lanes)).isEqualTo(assign(lanes));
    }
}
