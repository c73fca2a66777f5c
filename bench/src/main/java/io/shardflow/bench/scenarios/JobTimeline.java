package io.shardflow.bench.scenarios;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Where a finished job's wall time went, from the platform's own timestamps (its {@code jobs} and {@code shards}
 * rows, read over JDBC; a row's {@code now()} is the start of the transaction that writes it): the job's way in
 * (accepted, planned, shard tasks dispatched and taken by a lane), the shards' work (a lane reading its rows and
 * computing them), the partials stored and their notices reaching the aggregator, and the merge until the poller
 * sees SUCCEEDED. Milliseconds, each phase from the end of the one before.
 */
record JobTimeline(
        double wallMillis,
        double intakeMillis,
        double planMillis,
        double dispatchMillis,
        double firstShardMillis,
        double lastShardMillis,
        double shardSkewMillis,
        double mergeMillis,
        double seenMillis) {

    /** Reads the job's timestamps, or null when the platform's database is unknown or unreachable. */
    static @Nullable JobTimeline of(@Nullable String jdbcUrl, InferenceWorkload.Run run) {
        if (jdbcUrl == null) {
            return null;
        }
        try (var connection = DriverManager.getConnection(jdbcUrl, "postgres", "")) {
            Instant created;
            Instant started;
            Instant finished;
            try (var statement =
                    connection.prepareStatement("select created_at, started_at, finished_at from jobs where id = ?")) {
                statement.setObject(1, UUID.fromString(run.jobId()));
                try (var rs = statement.executeQuery()) {
                    rs.next();
                    created = rs.getTimestamp(1).toInstant();
                    started = rs.getTimestamp(2).toInstant();
                    finished = rs.getTimestamp(3).toInstant();
                }
            }
            Instant firstStart = null;
            Instant lastStart = null;
            Instant lastFinish = null;
            double shortest = Double.MAX_VALUE;
            double longest = 0;
            try (var statement = connection.prepareStatement(
                    "select started_at, finished_at from shards where job_id = ? and status = 'DONE'")) {
                statement.setObject(1, UUID.fromString(run.jobId()));
                try (var rs = statement.executeQuery()) {
                    while (rs.next()) {
                        Instant s = rs.getTimestamp(1).toInstant();
                        Instant f = rs.getTimestamp(2).toInstant();
                        firstStart = firstStart == null || s.isBefore(firstStart) ? s : firstStart;
                        lastStart = lastStart == null || s.isAfter(lastStart) ? s : lastStart;
                        lastFinish = lastFinish == null || f.isAfter(lastFinish) ? f : lastFinish;
                        double millis = millis(s, f);
                        shortest = Math.min(shortest, millis);
                        longest = Math.max(longest, millis);
                    }
                }
            }
            if (firstStart == null || lastStart == null || lastFinish == null) {
                return null; // no shard is DONE: all three are set by the first one
            }
            return new JobTimeline(
                    run.seconds() * 1000,
                    millis(run.submitted(), created),
                    millis(created, started),
                    millis(started, firstStart),
                    shortest,
                    longest,
                    millis(firstStart, lastStart),
                    millis(lastFinish, finished),
                    millis(finished, run.seen()));
        } catch (SQLException | RuntimeException e) {
            System.out.println("  (no timeline: " + e.getMessage() + ")");
            return null;
        }
    }

    private static double millis(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e6;
    }

    String summary() {
        return ("timeline ms: intake %.0f, plan %.0f, dispatch %.0f, shards %.0f–%.0f (starts %.0f apart), "
                        + "partials stored and noticed %.0f, merged and seen %.0f")
                .formatted(
                        intakeMillis,
                        planMillis,
                        dispatchMillis,
                        firstShardMillis,
                        lastShardMillis,
                        shardSkewMillis,
                        mergeMillis,
                        seenMillis);
    }
}
