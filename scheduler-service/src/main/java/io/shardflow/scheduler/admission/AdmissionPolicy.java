package io.shardflow.scheduler.admission;

import io.shardflow.db.lanes.LaneRegistry.LiveLane;
import io.shardflow.db.quotas.TenantQuota;
import io.shardflow.db.shards.ShardQueue.TenantLoad;
import io.shardflow.db.shards.ShardQueue.Waiting;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Which waiting shard goes to which lane: the queue discipline, free of I/O so that its rules are tested as they are.
 *
 * <ol>
 *   <li>Each idle lane is filled, one at a time, from the head of some tenant's queue (a tenant's shards in order of
 *       priority, then of waiting time). Tenants at their {@code maxRunningShards} are passed over.
 *   <li>Among the tenants' heads the highest priority wins. A tenant's priority is aged: one level more for each
 *       {@code aging} it has waited without being given a lane, so no tenant waits forever behind higher priorities.
 *   <li>At equal priority the tenant whose shards ran the fewest lane-seconds lately for its weight wins (fair
 *       share: lane-time / weight, measured since the later of a window back and the last tenant's arrival; a lane
 *       given in this pass counts as {@value #ADMITTED_LANE_SECONDS} s until it is measured), then the tenant holding
 *       the fewest lanes for its weight, then the head that has waited longest.
 *   <li>A shard goes to the idle lane with the smallest model cap that can hold it (best fit, keeping large lanes
 *       for large shards); a shard no idle lane can hold waits while the shards behind it go on (work-conserving).
 *   <li>Shards that take no lane (generation tasks, batched by their worker's engine) go to the lane of the least
 *       loaded worker that can hold them, idle or not.
 * </ol>
 */
public final class AdmissionPolicy {
    /** The most priority levels waiting can add: the full range of priorities. */
    static final int MAX_AGING_LEVELS = 200;
    /** What a lane given in a pass counts for in its tenant's lane-time, so one pass spreads its lanes by weight. */
    static final double ADMITTED_LANE_SECONDS = 1.0;

    private final Duration aging;

    public AdmissionPolicy(Duration aging) {
        if (aging.isNegative() || aging.isZero()) {
            throw new IllegalArgumentException("aging must be positive, was " + aging);
        }
        this.aging = aging;
    }

    /** A waiting shard and the lane it goes to. */
    public record Assignment(Waiting shard, LiveLane lane) {}

    /**
     * Assigns {@code waiting} shards (each tenant's in its queue order, as {@link
     * io.shardflow.db.shards.ShardQueue#waiting} reads them) to {@code lanes}, given what each tenant holds now and
     * its quota. Deterministic: the same inputs give the same assignments.
     */
    public List<Assignment> assign(
            List<LiveLane> lanes,
            List<Waiting> waiting,
            Map<String, TenantLoad> loads,
            Map<String, TenantQuota> quotas,
            Instant now) {
        var assignments = new ArrayList<Assignment>();
        var queues = new LinkedHashMap<String, TenantQueue>();
        var nonLane = new ArrayList<Waiting>();
        for (var shard : waiting) {
            if (!shard.takesLane()) {
                nonLane.add(shard);
                continue;
            }
            queues.computeIfAbsent(shard.tenant(), tenant -> {
                        var load = loads.get(tenant);
                        var quota = quotas.getOrDefault(tenant, TenantQuota.unlimited(tenant));
                        return new TenantQueue(
                                tenant,
                                load == null ? 0 : load.running(),
                                load == null ? 0 : load.laneSeconds(),
                                load == null ? null : load.lastDispatched(),
                                quota);
                    })
                    .add(shard);
        }
        var idle = new ArrayList<>(lanes.stream()
                .filter(lane -> !lane.busy())
                .sorted(Comparator.comparingLong(AdmissionPolicy::cap).thenComparingInt(LiveLane::slot))
                .toList());
        while (!idle.isEmpty()) {
            var next = queues.values().stream()
                    .filter(TenantQueue::admissible)
                    .min(order(now))
                    .orElse(null);
            if (next == null) {
                break;
            }
            var shard = next.shards.poll();
            var lane = idle.stream().filter(l -> fits(shard, l)).findFirst().orElse(null);
            if (lane == null) {
                continue; // no idle lane can hold it now: it waits, the shards behind it go on
            }
            idle.remove(lane);
            next.admitted(now);
            assignments.add(new Assignment(shard, lane));
        }
        assignGeneration(nonLane, lanes, assignments);
        return assignments;
    }

    /** The order among tenants' heads: aged priority, then fair share, then lanes held, waiting time and name. */
    private Comparator<TenantQueue> order(Instant now) {
        return Comparator.comparingInt((TenantQueue q) -> -q.agedPriority(now, aging))
                .thenComparingDouble(TenantQueue::share)
                .thenComparingDouble(TenantQueue::held)
                .thenComparing(q -> q.head().queuedAt())
                .thenComparing(q -> q.tenant);
    }

    private static void assignGeneration(List<Waiting> shards, List<LiveLane> lanes, List<Assignment> assignments) {
        var load = new HashMap<String, Integer>();
        for (var lane : lanes) {
            load.merge(lane.workerId(), lane.generating(), Integer::sum);
        }
        for (var shard : shards) {
            lanes.stream()
                    .filter(lane -> fits(shard, lane))
                    .min(Comparator.comparingInt((LiveLane lane) -> load.get(lane.workerId()))
                            .thenComparingInt(LiveLane::slot))
                    .ifPresent(lane -> {
                        load.merge(lane.workerId(), 1, Integer::sum);
                        assignments.add(new Assignment(shard, lane));
                    });
        }
    }

    private static boolean fits(Waiting shard, LiveLane lane) {
        return shard.needBytes() <= cap(lane);
    }

    private static long cap(LiveLane lane) {
        var cap = lane.maxModelBytes();
        return cap == null ? Long.MAX_VALUE : cap;
    }

    /** A tenant's waiting shards in this pass, and the lanes it holds. */
    private static final class TenantQueue {
        final String tenant;
        final ArrayDeque<Waiting> shards = new ArrayDeque<>();
        final TenantQuota quota;
        int running;
        double laneSeconds;

        @Nullable
        Instant lastAdmitted;

        TenantQueue(String tenant, int running, double laneSeconds, @Nullable Instant lastAdmitted, TenantQuota quota) {
            this.tenant = tenant;
            this.running = running;
            this.laneSeconds = laneSeconds;
            this.lastAdmitted = lastAdmitted;
            this.quota = quota;
        }

        void add(Waiting shard) {
            shards.add(shard);
        }

        Waiting head() {
            var head = shards.peek();
            if (head == null) {
                throw new IllegalStateException("tenant " + tenant + " has no waiting shard");
            }
            return head;
        }

        boolean admissible() {
            var cap = quota.maxRunningShards();
            return !shards.isEmpty() && (cap == null || running < cap);
        }

        /** Lane-seconds lately per unit of weight. */
        double share() {
            return laneSeconds / quota.weight();
        }

        /** Lanes held now per unit of weight. */
        double held() {
            return running / quota.weight();
        }

        /**
         * The head's priority, one level higher per {@code aging} the tenant has waited without a lane: since its
         * oldest waiting shard was queued, or since it was last given a lane if that was later.
         */
        int agedPriority(Instant now, Duration aging) {
            var oldest = shards.stream()
                    .map(Waiting::queuedAt)
                    .min(Comparator.naturalOrder())
                    .orElse(now);
            var since = lastAdmitted != null && lastAdmitted.isAfter(oldest) ? lastAdmitted : oldest;
            long levels = Math.max(0, Duration.between(since, now).toMillis() / aging.toMillis());
            return head().priority() + (int) Math.min(MAX_AGING_LEVELS, levels);
        }

        void admitted(Instant now) {
            running++;
            laneSeconds += ADMITTED_LANE_SECONDS;
            lastAdmitted = now;
        }
    }
}
