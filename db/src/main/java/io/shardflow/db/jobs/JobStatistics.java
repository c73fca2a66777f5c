package io.shardflow.db.jobs;

import io.shardflow.core.Fresh;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.Transitions;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Every tenant's jobs counted for operators: how many are in each unfinished status now and how many ended in each
 * way lately, and jobs submitted and ended per minute. Each count reads an index on the status or the time it is
 * about (never the whole table), so its cost grows with the window's jobs, not with the history; and each answer is
 * kept for {@link #FRESH}, so that however many dashboards refresh however often, the database counts once.
 */
public class JobStatistics {
    /** How long an answer is given again before it is counted anew. */
    static final Duration FRESH = Duration.ofSeconds(5);

    private final JdbcClient jdbc;
    private final Clock clock;
    private final Map<Duration, Fresh<Map<JobStatus, Long>>> byStatus = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Duration, Fresh<List<Minute>>> perMinute = new java.util.concurrent.ConcurrentHashMap<>();

    public JobStatistics(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** Jobs per status: the unfinished ones now, the ended ones that ended within {@code window}. */
    public Map<JobStatus, Long> byStatus(Duration window) {
        return byStatus.computeIfAbsent(window, w -> new Fresh<>(FRESH, clock, () -> countByStatus(w)))
                .get();
    }

    private Map<JobStatus, Long> countByStatus(Duration window) {
        var counts = new EnumMap<JobStatus, Long>(JobStatus.class);
        for (var status : JobStatus.values()) {
            counts.put(status, 0L);
        }
        jdbc.sql("select status, count(*) from jobs where " + Transitions.in("status", JobStatus.unfinished())
                        + " group by status")
                .query(rs -> {
                    counts.put(JobStatus.valueOf(rs.getString(1)), rs.getLong(2));
                });
        jdbc.sql("select status, count(*) from jobs where finished_at >= ? group by status")
                .param(Timestamp.from(clock.instant().minus(window)))
                .query(rs -> {
                    counts.put(JobStatus.valueOf(rs.getString(1)), rs.getLong(2));
                });
        return java.util.Collections.unmodifiableMap(counts);
    }

    /** One minute of {@link #perMinute}: jobs submitted in it, and jobs that ended in it, by how. */
    public record Minute(Instant start, long submitted, long succeeded, long failed, long cancelled) {}

    /** Each minute of the last {@code window}, oldest first, minutes without a job included. */
    public List<Minute> perMinute(Duration window) {
        return perMinute
                .computeIfAbsent(window, w -> new Fresh<>(FRESH, clock, () -> countPerMinute(w)))
                .get();
    }

    private List<Minute> countPerMinute(Duration window) {
        var now = clock.instant();
        var from = now.minus(window).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
        var minutes = new TreeMap<Instant, long[]>();
        for (var m = from; !m.isAfter(now); m = m.plus(Duration.ofMinutes(1))) {
            minutes.put(m, new long[4]);
        }
        var origin = Timestamp.from(from);
        jdbc.sql("select date_bin('1 minute', created_at, ?), count(*) from jobs where created_at >= ? group by 1")
                .params(origin, origin)
                .query(rs -> {
                    var slot = minutes.get(rs.getTimestamp(1).toInstant());
                    if (slot != null) {
                        slot[0] += rs.getLong(2);
                    }
                });
        jdbc.sql("select date_bin('1 minute', finished_at, ?), status, count(*) from jobs where finished_at >= ? "
                        + "group by 1, 2")
                .params(origin, origin)
                .query(rs -> {
                    var slot = minutes.get(rs.getTimestamp(1).toInstant());
                    if (slot != null) {
                        switch (JobStatus.valueOf(rs.getString(2))) {
                            case SUCCEEDED -> slot[1] += rs.getLong(3);
                            case FAILED -> slot[2] += rs.getLong(3);
                            case CANCELLED -> slot[3] += rs.getLong(3);
                            default -> {}
                        }
                    }
                });
        var out = new ArrayList<Minute>(minutes.size());
        minutes.forEach((start, n) -> out.add(new Minute(start, n[0], n[1], n[2], n[3])));
        return List.copyOf(out);
    }
}
