package io.shardflow.db.workers;

import io.shardflow.core.planning.ParallelPlanner;
import io.shardflow.db.jdbc.JsonColumns;
import io.shardflow.db.jdbc.SqlArgs;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Worker heartbeats: who is alive, with how many lanes. */
public class WorkerRegistry {
    private final JdbcClient jdbc;
    private final Clock clock;

    public WorkerRegistry(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** {@code maxModelBytes} null: this worker loads partitions of any size. */
    public void heartbeat(
            String id,
            String host,
            int lanes,
            int lanesBusy,
            List<String> devices,
            long tasksDone,
            @Nullable Long maxModelBytes) {
        heartbeat(id, host, lanes, lanesBusy, devices, tasksDone, maxModelBytes, null);
    }

    /** As above, with what the worker says of its processor, memory and loaded models. */
    public void heartbeat(
            String id,
            String host,
            int lanes,
            int lanesBusy,
            List<String> devices,
            long tasksDone,
            @Nullable Long maxModelBytes,
            @Nullable WorkerStats stats) {
        var now = Timestamp.from(clock.instant());
        jdbc.sql("""
                insert into workers (id, host, lanes, lanes_busy, devices, tasks_done, max_model_bytes, started_at,
                  heartbeat_at, stats)
                values (?, ?, ?, ?, cast(? as jsonb), ?, ?, ?, ?, cast(? as jsonb))
                on conflict (id) do update set lanes = excluded.lanes, lanes_busy = excluded.lanes_busy,
                  devices = excluded.devices, tasks_done = excluded.tasks_done, max_model_bytes = excluded.max_model_bytes,
                  heartbeat_at = excluded.heartbeat_at, stats = excluded.stats""")
                .params(SqlArgs.of(
                        id,
                        host,
                        lanes,
                        lanesBusy,
                        JsonColumns.write(devices),
                        tasksDone,
                        maxModelBytes,
                        now,
                        now,
                        stats == null ? null : JsonColumns.write(stats)))
                .update();
    }

    /**
     * Drains a worker (its lanes are offered nothing more, now and when they claim a slot again; what runs on them
     * finishes) or resumes it. Returns false when no such worker has reported.
     */
    public boolean setDraining(String id, boolean draining) {
        int workers = jdbc.sql("update workers set draining = ? where id = ?")
                .params(draining, id)
                .update();
        jdbc.sql("update lanes set draining = ? where worker_id = ?")
                .params(draining, id)
                .update();
        return workers == 1;
    }

    /** How recently a worker must have reported to count as live, unless configured otherwise. */
    public static final Duration LIVE = Duration.ofSeconds(15);

    /**
     * The fleet as planning sees it: live lanes (at least {@code minLanes}) and the largest model cap, since
     * admission sends each task only to a lane whose worker can load it: the largest cap, or Long.MAX_VALUE when a
     * live worker has none (or none has reported).
     */
    public ParallelPlanner.Fleet fleet(Duration freshness, int minLanes) {
        // one read for both: every job is planned against it
        return jdbc.sql("select coalesce(sum(lanes), 0), case when bool_or(max_model_bytes is null) then null else "
                        + "max(max_model_bytes) end from workers where heartbeat_at > ?")
                .param(Timestamp.from(clock.instant().minus(freshness)))
                .query((rs, n) -> {
                    int lanes = rs.getInt(1);
                    long cap = rs.getLong(2);
                    return new ParallelPlanner.Fleet(Math.max(minLanes, lanes), rs.wasNull() ? Long.MAX_VALUE : cap);
                })
                .single();
    }

    @SuppressWarnings("unchecked")
    public List<WorkerRow> list() {
        return jdbc.sql(
                        "select id, host, lanes, lanes_busy, devices::text, tasks_done, started_at, heartbeat_at, draining, "
                                + "stats::text from workers order by id")
                .query((rs, n) -> new WorkerRow(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getInt(3),
                        rs.getInt(4),
                        List.copyOf(JsonColumns.read(rs.getString(5), List.class)),
                        rs.getLong(6),
                        rs.getTimestamp(7).toInstant(),
                        rs.getTimestamp(8).toInstant(),
                        rs.getBoolean(9),
                        JsonColumns.readOrNull(rs.getString(10), WorkerStats.class)))
                .list();
    }
}
