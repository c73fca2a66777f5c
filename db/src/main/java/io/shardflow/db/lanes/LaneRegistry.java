package io.shardflow.db.lanes;

import static io.shardflow.core.shards.ShardStatus.DISPATCHED;
import static io.shardflow.core.shards.ShardStatus.RUNNING;

import io.shardflow.core.shards.ShardStatus;
import io.shardflow.db.jdbc.SqlArgs;
import io.shardflow.db.shards.ShardKey;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Worker lanes and the slots they hold. A slot is one partition of the task topic: a lane claims a free one (never
 * claimed, or its holder's lease ran out), reads it, and is offered tasks once ready; its worker's heartbeat extends
 * the lease. Two lanes never hold one slot: a claim takes a slot only while its lease is out, and a lane whose
 * renewal finds the slot gone stops reading it.
 */
public class LaneRegistry {
    private final JdbcClient jdbc;
    private final Clock clock;

    public LaneRegistry(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * A live lane as admission sees it: whether a shard occupies it, how many generation tasks it carries, and until
     * when its worker has leased it.
     */
    public record LiveLane(
            int slot,
            String workerId,
            @Nullable Long maxModelBytes,
            boolean busy,
            int generating,
            Instant leaseUntil) {}

    /** A lane as the dashboard shows it. */
    public record LaneRow(
            int slot,
            String workerId,
            int laneIndex,
            String device,
            @Nullable Long maxModelBytes,
            boolean ready,
            boolean draining,
            Instant leaseUntil) {}

    /**
     * Claims the lowest free slot below {@code slots} for lane {@code laneIndex} of {@code workerId}, not ready yet.
     * Empty when every slot is held.
     */
    public OptionalInt claim(
            String workerId,
            int laneIndex,
            String device,
            @Nullable Long maxModelBytes,
            int slots,
            Instant leaseUntil) {
        var now = Timestamp.from(clock.instant());
        // a try lost to another lane means that lane took the slot: at most one try per slot
        for (int tries = 0; tries <= slots; tries++) {
            var free = jdbc.sql("""
                            select s from generate_series(0, ? - 1) s
                            where not exists (select 1 from lanes l where l.slot = s and l.lease_until > ?)
                            order by s limit 1""").params(slots, now).query(Integer.class).optional();
            if (free.isEmpty()) {
                return OptionalInt.empty();
            }
            // the conflict clause takes a held slot only while its lease is out: of two claims, one wins
            var claimed = jdbc.sql("""
                            insert into lanes (slot, worker_id, lane_index, device, max_model_bytes, ready, draining,
                              lease_until, claimed_at)
                            values (?, ?, ?, ?, ?, false,
                              coalesce((select w.draining from workers w where w.id = ?), false), ?, ?)
                            on conflict (slot) do update set worker_id = excluded.worker_id,
                              lane_index = excluded.lane_index, device = excluded.device,
                              max_model_bytes = excluded.max_model_bytes, ready = false, draining = excluded.draining,
                              lease_until = excluded.lease_until, claimed_at = excluded.claimed_at
                            where lanes.lease_until <= excluded.claimed_at
                            returning slot""")
                    .params(SqlArgs.of(
                            free.get(),
                            workerId,
                            laneIndex,
                            device,
                            maxModelBytes,
                            workerId,
                            Timestamp.from(leaseUntil),
                            now))
                    .query(Integer.class)
                    .optional();
            if (claimed.isPresent()) {
                return OptionalInt.of(claimed.get());
            }
        }
        return OptionalInt.empty();
    }

    /** The lane reads its slot from the right place now: admission may address tasks to it. */
    public boolean ready(int slot, String workerId) {
        return jdbc.sql("update lanes set ready = true where slot = ? and worker_id = ?")
                        .params(slot, workerId)
                        .update()
                == 1;
    }

    /** Extends the leases of {@code slots} the worker still holds; returns those it holds. */
    public Set<Integer> renew(String workerId, Collection<Integer> slots, Instant leaseUntil) {
        if (slots.isEmpty()) {
            return Set.of();
        }
        return new HashSet<>(
                jdbc.sql("update lanes set lease_until = ? where worker_id = ? and slot = any(?) " + "returning slot")
                        .params(Timestamp.from(leaseUntil), workerId, slots.toArray(Integer[]::new))
                        .query(Integer.class)
                        .list());
    }

    /** Gives up every slot held under {@code workerId}: a process starting under a fixed id replaces the last one's. */
    public int releaseAll(String workerId) {
        return jdbc.sql("delete from lanes where worker_id = ?").param(workerId).update();
    }

    /** The worker's lanes take no more tasks: admission passes them by. */
    public void drain(String workerId) {
        jdbc.sql("update lanes set draining = true where worker_id = ?")
                .param(workerId)
                .update();
    }

    /** Gives the slot up at once, for another lane to claim. */
    public void release(int slot, String workerId) {
        jdbc.sql("delete from lanes where slot = ? and worker_id = ?")
                .params(slot, workerId)
                .update();
    }

    /**
     * Ready lanes whose lease holds, not draining, with what they carry: busy when a lane-taking shard is dispatched
     * to it or runs on it.
     */
    public List<LiveLane> live() {
        return jdbc.sql("""
                                                select l.slot, l.worker_id, l.max_model_bytes, l.lease_until,
                          count(s.job_id) filter (where s.takes_lane) > 0 as busy,
                          count(s.job_id) filter (where not s.takes_lane) as generating
                        from lanes l
                        left join shards s on s.lane_slot = l.slot and s.worker_id = l.worker_id
                          and s.status in (?, ?)
                        where l.ready and not l.draining and l.lease_until > ?
                                                group by l.slot, l.worker_id, l.max_model_bytes, l.lease_until
                        order by l.slot""")
                .params(DISPATCHED.name(), RUNNING.name(), Timestamp.from(clock.instant()))
                .query((rs, n) -> new LiveLane(
                        rs.getInt("slot"),
                        rs.getString("worker_id"),
                        rs.getObject("max_model_bytes", Long.class),
                        rs.getBoolean("busy"),
                        rs.getInt("generating"),
                        rs.getTimestamp("lease_until").toInstant()))
                .list();
    }

    /** A shard given to a lane: dispatched to it, or running on it. */
    public record LaneWork(int slot, String workerId, ShardKey shard, ShardStatus status) {}

    /** What the lanes have been given now, by slot (generation tasks too, several on one lane). */
    public List<LaneWork> work() {
        return jdbc.sql("""
                        select s.lane_slot, s.worker_id, s.job_id, s.step, s.stage, s.shard_index, s.status
                        from shards s join lanes l on l.slot = s.lane_slot and l.worker_id = s.worker_id
                        where s.status in (?, ?) order by s.lane_slot, s.job_id, s.shard_index""")
                .params(DISPATCHED.name(), RUNNING.name())
                .query((rs, n) -> new LaneWork(
                        rs.getInt(1),
                        rs.getString(2),
                        new ShardKey(rs.getObject(3, UUID.class), rs.getInt(4), rs.getInt(5), rs.getInt(6)),
                        ShardStatus.valueOf(rs.getString(7))))
                .list();
    }

    /** Every lane row, live or not, by slot. */
    public List<LaneRow> list() {
        return jdbc.sql("select slot, worker_id, lane_index, device, max_model_bytes, ready, draining, lease_until "
                        + "from lanes order by slot")
                .query((rs, n) -> new LaneRow(
                        rs.getInt("slot"),
                        rs.getString("worker_id"),
                        rs.getInt("lane_index"),
                        rs.getString("device"),
                        rs.getObject("max_model_bytes", Long.class),
                        rs.getBoolean("ready"),
                        rs.getBoolean("draining"),
                        rs.getTimestamp("lease_until").toInstant()))
                .list();
    }
}
