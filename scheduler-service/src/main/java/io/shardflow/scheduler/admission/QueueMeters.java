package io.shardflow.scheduler.admission;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.shardflow.core.Fresh;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.shards.ShardStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The queue as gauges: unfinished jobs by type and status, and shards waiting for a lane, dispatched or running.
 * Both counts are the platform's (read from PostgreSQL through partial indexes), so every scheduler reports the same
 * figure: take their {@code max}, not their sum. Read at most once per {@link #FRESH} however often they are scraped.
 */
public final class QueueMeters implements MeterBinder {
    static final Duration FRESH = Duration.ofSeconds(5);
    private static final List<JobStatus> JOBS =
            List.of(JobStatus.QUEUED, JobStatus.PLANNING, JobStatus.RUNNING, JobStatus.AGGREGATING);
    private static final List<ShardStatus> SHARDS =
            List.of(ShardStatus.PENDING, ShardStatus.DISPATCHED, ShardStatus.RUNNING);

    private final JdbcClient jdbc;
    private final Fresh<Map<String, Long>> counts;

    public QueueMeters(JdbcClient jdbc) {
        this.jdbc = jdbc;
        this.counts = new Fresh<>(FRESH, Clock.systemUTC(), this::read);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (var type : JobType.values()) {
            for (var status : JOBS) {
                String key = "job/" + type + "/" + status;
                Gauge.builder("shardflow.jobs.active", this, m -> m.count(key))
                        .description("Jobs that have not ended, by type and status (the platform's; take the max)")
                        .tags("type", type.name(), "status", status.name())
                        .register(registry);
            }
        }
        for (var status : SHARDS) {
            String key = "shard/" + status;
            Gauge.builder("shardflow.shards.active", this, m -> m.count(key))
                    .description("Shards waiting for a lane, dispatched or running (the platform's; take the max)")
                    .tag("status", status.name())
                    .register(registry);
        }
    }

    private double count(String key) {
        try {
            return counts.get().getOrDefault(key, 0L);
        } catch (RuntimeException e) {
            return Double.NaN; // the database is away: the gauges say NaN rather than a stale figure
        }
    }

    private Map<String, Long> read() {
        var read = new HashMap<String, Long>();
        jdbc.sql("select type, status, count(*) from jobs where status in ('QUEUED', 'PLANNING', 'RUNNING', "
                        + "'AGGREGATING') group by type, status")
                .query(rs -> {
                    read.put("job/" + rs.getString(1) + "/" + rs.getString(2), rs.getLong(3));
                });
        jdbc.sql("select status, count(*) from shards where status in ('PENDING', 'DISPATCHED', 'RUNNING') "
                        + "group by status")
                .query(rs -> {
                    read.put("shard/" + rs.getString(1), rs.getLong(2));
                });
        return read;
    }
}
