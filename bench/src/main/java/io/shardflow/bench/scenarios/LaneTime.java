package io.shardflow.bench.scenarios;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Who held the lanes when, from the platform's own timestamps: each shard's time on a lane (its {@code shards} row's
 * {@code started_at} to {@code finished_at}) and each job's submit and end (its {@code jobs} row), read over JDBC.
 * The scheduling scenarios compute every figure from these: lane-time per tenant, lanes busy in a window, the most
 * shards running at once.
 */
final class LaneTime {
    private LaneTime() {}

    /**
     * A shard's time on a lane.
     *
     * @param end null while it runs, or when it was cancelled before it finished
     */
    record ShardRun(
            String jobId,
            String tenant,
            Instant start,
            @Nullable Instant end) {
        /** Seconds of it inside [from, to); a run without an end counts as running until {@code to}. */
        double secondsIn(Instant from, Instant to) {
            Instant s = start.isAfter(from) ? start : from;
            Instant e = end == null || end.isAfter(to) ? to : end;
            return e.isAfter(s) ? Duration.between(s, e).toNanos() / 1e9 : 0;
        }

        /** Seconds from start to end (0 without an end). */
        double seconds() {
            return end == null ? 0 : Duration.between(start, end).toNanos() / 1e9;
        }
    }

    /** A job's submit (created) and end (null while unfinished). */
    record JobSpan(
            String jobId,
            String tenant,
            Instant created,
            @Nullable Instant finished) {}

    /** The shard runs of these jobs that have started, in order of start. */
    static List<ShardRun> shards(String jdbcUrl, Collection<String> jobIds) throws SQLException {
        var runs = new ArrayList<ShardRun>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                var statement = c.prepareStatement("""
                    select s.job_id, j.tenant, s.started_at, s.finished_at from shards s join jobs j on j.id = s.job_id
                    where s.job_id = any(?) and s.started_at is not null order by s.started_at""")) {
            statement.setArray(1, ids(c, jobIds));
            try (var rs = statement.executeQuery()) {
                while (rs.next()) {
                    runs.add(new ShardRun(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getTimestamp(3).toInstant(),
                            instant(rs.getTimestamp(4))));
                }
            }
        }
        return runs;
    }

    /** These jobs' submit and end times. */
    static List<JobSpan> jobs(String jdbcUrl, Collection<String> jobIds) throws SQLException {
        var spans = new ArrayList<JobSpan>();
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                var statement = c.prepareStatement(
                        "select id, tenant, created_at, finished_at from jobs where id = any(?) order by created_at")) {
            statement.setArray(1, ids(c, jobIds));
            try (var rs = statement.executeQuery()) {
                while (rs.next()) {
                    spans.add(new JobSpan(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getTimestamp(3).toInstant(),
                            instant(rs.getTimestamp(4))));
                }
            }
        }
        return spans;
    }

    /** The lanes of the workers that heartbeated in the last 10 seconds, as they report them. */
    static int liveLanes(String jdbcUrl) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
                var statement = c.prepareStatement(
                        "select coalesce(sum(lanes), 0) from workers where heartbeat_at > now() - interval '10 seconds'");
                var rs = statement.executeQuery()) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Lane-seconds the matching runs spent inside [from, to). */
    static double busy(List<ShardRun> runs, Instant from, Instant to, Predicate<ShardRun> which) {
        return runs.stream()
                .filter(which)
                .mapToDouble(r -> r.secondsIn(from, to))
                .sum();
    }

    /** The most runs on lanes at one instant (runs without an end count until the last start). */
    static int peak(List<ShardRun> runs) {
        record Edge(Instant at, int delta) {}
        var edges = new ArrayList<Edge>();
        Instant last = runs.stream()
                .map(ShardRun::start)
                .max(Comparator.naturalOrder())
                .orElse(Instant.EPOCH);
        for (var run : runs) {
            edges.add(new Edge(run.start(), 1));
            edges.add(new Edge(run.end() != null ? run.end() : last.plusNanos(1), -1));
        }
        // an end and a start at the same instant: the end first, so a lane handed on is not counted twice
        edges.sort(Comparator.comparing(Edge::at).thenComparingInt(Edge::delta));
        int now = 0;
        int most = 0;
        for (var edge : edges) {
            now += edge.delta();
            most = Math.max(most, now);
        }
        return most;
    }

    static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e9;
    }

    private static java.sql.Array ids(Connection c, Collection<String> jobIds) throws SQLException {
        return c.createArrayOf("uuid", jobIds.stream().map(UUID::fromString).toArray());
    }

    private static @Nullable Instant instant(@Nullable Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
