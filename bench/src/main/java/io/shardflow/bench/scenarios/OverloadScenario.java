package io.shardflow.bench.scenarios;

import io.shardflow.bench.BenchContext;
import io.shardflow.bench.Http;
import io.shardflow.bench.Platform;
import io.shardflow.bench.Report;
import io.shardflow.bench.Scenario;
import io.shardflow.bench.Stats;
import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Twice the work the platform can do, for a while. First its capacity: 32 clients, each making its next call when
 * the last has ended (half of them one-row jobs submitted and waited for, half synchronous predicts), give the calls
 * it completes per second. Then a platform of its own whose bounds say that capacity (a rate per API key such that
 * the 8 keys together may keep it up, and a few synchronous calls waiting at once) gets twice as many calls from
 * 32 clients on loopback, each with at most one call in flight, for {@code --duration}. What is measured: the answers
 * by status (202, 200, 429, 503, anything else), how fast and how soon they came, the platform's heap and resident
 * memory, and whether every accepted job succeeded. A benchmark: it asserts nothing, it reports.
 */
public class OverloadScenario implements Scenario {
    static final int CLIENTS = 32;
    static final int KEYS = 8;
    static final int MAX_SYNC_WAITING = 8;
    static final long PREDICT_TIMEOUT_MS = 10_000;
    /** A call not answered within this is counted as timed out: past any bound the platform states. */
    static final Duration CALL_TIMEOUT = Duration.ofMillis(PREDICT_TIMEOUT_MS + 5_000);

    private static final List<String> UNFINISHED = List.of("QUEUED", "PLANNING", "RUNNING", "AGGREGATING");

    @Override
    public String name() {
        return "overload";
    }

    @Override
    public String summary() {
        return "32 clients at twice the measured capacity for --duration (default 10m): answers by status, "
                + "throughput, p99, the platform's heap and RSS, every accepted job checked";
    }

    /** What the clients send: the same one-row job and one-row predict on a linear model. */
    private record Workload(String modelId, Map<String, Object> job, Map<String, Object> predict) {
        static Workload create(Http api) {
            var jobs = OneRowJobs.create(api, "bench-overload-" + UUID.randomUUID());
            return new Workload(
                    jobs.modelId(), jobs.job(), Map.of("rows", List.of(List.of(1.0)), "timeoutMs", PREDICT_TIMEOUT_MS));
        }

        String predictPath() {
            return "/api/v1/models/" + modelId + "/predict";
        }
    }

    /** One answered (or unanswered) call: status -1 when it timed out, -2 when the connection failed. */
    private record Call(
            boolean predict,
            int status,
            double millis,
            @Nullable String jobId) {}

    @Override
    public Report.Section run(BenchContext context) throws Exception {
        var options = context.options();
        Duration duration = options.duration() != null
                ? options.duration()
                : options.quick() ? Duration.ofSeconds(30) : Duration.ofMinutes(10);
        Duration measuring = options.quick() ? Duration.ofSeconds(10) : Duration.ofSeconds(30);

        System.out.printf("  measuring capacity for %d s%n", measuring.toSeconds());
        double capacity = capacity(context.api(), Workload.create(context.api()), measuring);
        double offered = 2 * capacity;
        int perKey = (int) Math.max(1, Math.ceil(capacity / KEYS));
        int burst = Math.max(20, perKey);
        System.out.printf(
                "  capacity %.1f calls/s; offering %.1f calls/s for %d s (%d per key per second)%n",
                capacity, offered, duration.toSeconds(), perKey);

        Platform own = null;
        if (context.platform() != null) {
            own = Platform.start(
                    context.jar(),
                    "--shardflow.api.max-sync-waiting=" + MAX_SYNC_WAITING,
                    "--shardflow.api.rate-limit.requests-per-second=" + perKey,
                    "--shardflow.api.rate-limit.burst=" + burst);
        }
        try {
            Http admin = own != null ? own.api() : context.api();
            String jdbcUrl = own != null ? own.jdbcUrl() : context.jdbcUrl();
            var work = Workload.create(admin);
            var clients = new ArrayList<Http>();
            for (int k = 0; k < KEYS; k++) {
                String key = admin.ok(
                                "/api/v1/api-keys",
                                Map.of("name", "overload-" + k, "tenant", "default", "roles", List.of("SUBMITTER")))
                        .get("key")
                        .asString();
                clients.add(new Http(admin.base(), key));
            }
            var memory = new MemorySampler(admin, own);
            memory.start();
            long started = System.nanoTime();
            var calls = offer(clients, work, offered, duration);
            double seconds = (System.nanoTime() - started) / 1e9;
            memory.stop();

            var accepted = calls.stream()
                    .filter(c -> !c.predict() && c.status() == 202 && c.jobId() != null)
                    .map(Call::jobId)
                    .toList();
            System.out.printf(
                    "  %d calls in %.0f s; waiting for %d accepted jobs%n", calls.size(), seconds, accepted.size());
            long drainStarted = System.nanoTime();
            var ended = jdbcUrl == null ? null : awaitEnded(jdbcUrl, accepted, duration.plusMinutes(5));
            double drained = (System.nanoTime() - drainStarted) / 1e9;
            String slow = jdbcUrl == null ? "" : slowPredicts(jdbcUrl, calls);
            return section(
                    options.quick(),
                    capacity,
                    offered,
                    perKey,
                    burst,
                    own != null,
                    duration,
                    seconds,
                    calls,
                    memory,
                    own,
                    ended,
                    drained,
                    slow);
        } finally {
            if (own != null) {
                own.close();
            }
        }
    }

    /**
     * Calls per second completed by {@link #CLIENTS} closed-loop clients: submitted jobs waited for, and predicts,
     * after a warm-up. A call that fails (a predict past its timeout on a machine busy with other things) is not
     * counted.
     */
    private static double capacity(Http api, Workload work, Duration measuring) throws Exception {
        for (int i = 0; i < 20; i++) { // connections, the JIT, the model's first load
            api.post(work.predictPath(), work.predict());
            api.post("/api/v1/jobs", work.job());
        }
        var done = new AtomicLong();
        var pool = Executors.newFixedThreadPool(CLIENTS);
        long end = System.nanoTime() + measuring.toNanos();
        try {
            var futures = new ArrayList<java.util.concurrent.Future<?>>();
            for (int c = 0; c < CLIENTS; c++) {
                boolean predictFirst = c % 2 == 0;
                futures.add(pool.submit(() -> {
                    boolean predict = predictFirst;
                    while (System.nanoTime() < end) {
                        if (predict ? predicted(api, work) : ranJob(api, work)) {
                            done.incrementAndGet();
                        }
                        predict = !predict;
                    }
                    return null;
                }));
            }
            for (var f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return done.get() / (measuring.toNanos() / 1e9);
    }

    private static boolean predicted(Http api, Workload work) {
        return api.post(work.predictPath(), work.predict()).status() == 200;
    }

    /** Submits the job and waits for it to end; true when it SUCCEEDED. */
    private static boolean ranJob(Http api, Workload work) {
        var submitted = api.post("/api/v1/jobs", work.job());
        if (submitted.status() != 202) {
            return false;
        }
        var job = api.get("/api/v1/jobs/" + submitted.body().get("id").asString() + "?waitMs=10000");
        return "SUCCEEDED".equals(job.body().path("status").asString(""));
    }

    /**
     * {@code rate} calls per second from {@link #CLIENTS} clients, each starting its calls on its own schedule but
     * never two at once (a client behind schedule calls again as soon as it is answered), for {@code duration}.
     */
    private static List<Call> offer(List<Http> keys, Workload work, double rate, Duration duration) throws Exception {
        var calls = Collections.synchronizedList(new ArrayList<Call>());
        double period = CLIENTS / rate * 1e9;
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        var pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            var futures = new ArrayList<java.util.concurrent.Future<?>>();
            for (int c = 0; c < CLIENTS; c++) {
                var api = keys.get(c % keys.size());
                long offset = (long) (period * c / CLIENTS);
                boolean predictFirst = c % 2 == 0;
                futures.add(pool.submit(() -> {
                    long next = start + offset;
                    boolean predict = predictFirst;
                    while (next < end) {
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                        calls.add(call(api, work, predict));
                        predict = !predict;
                        next += (long) period;
                    }
                    return null;
                }));
            }
            for (var f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return List.copyOf(calls);
    }

    private static Call call(Http api, Workload work, boolean predict) {
        long started = System.nanoTime();
        try {
            var response = predict
                    ? api.post(work.predictPath(), work.predict(), CALL_TIMEOUT)
                    : api.post("/api/v1/jobs", work.job(), CALL_TIMEOUT);
            double millis = (System.nanoTime() - started) / 1e6;
            // a job's id; a predict's job, answered (200) or given up (504), for where its time went
            String jobId = response.status() == 202
                    ? response.body().path("id").asString(null)
                    : response.status() == 200 || response.status() == 504
                            ? response.body().path("jobId").asString(null)
                            : null;
            return new Call(predict, response.status(), millis, jobId);
        } catch (IllegalStateException e) {
            double millis = (System.nanoTime() - started) / 1e6;
            return new Call(predict, e.getCause() instanceof HttpTimeoutException ? -1 : -2, millis, null);
        }
    }

    /** Waits until none of the jobs is unfinished, or {@code patience} has passed; their count per final status. */
    private static Map<String, Long> awaitEnded(String jdbcUrl, List<String> ids, Duration patience)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            var statuses = statuses(jdbcUrl, ids);
            boolean unfinished = UNFINISHED.stream().anyMatch(statuses::containsKey);
            if (!unfinished || System.nanoTime() > deadline) {
                return statuses;
            }
            Thread.sleep(1000);
        }
    }

    private static Map<String, Long> statuses(String jdbcUrl, List<String> ids) throws SQLException {
        var counts = new TreeMap<String, Long>();
        try (var connection = DriverManager.getConnection(jdbcUrl);
                var statement = connection.prepareStatement(
                        "select status, count(*) from jobs where id = any(?) group by status")) {
            statement.setArray(
                    1,
                    connection.createArrayOf(
                            "uuid", ids.stream().map(UUID::fromString).toArray()));
            try (var rows = statement.executeQuery()) {
                while (rows.next()) {
                    counts.put(rows.getString(1), rows.getLong(2));
                }
            }
        }
        long found = counts.values().stream().mapToLong(Long::longValue).sum();
        if (found < ids.size()) {
            counts.put("MISSING", ids.size() - found);
        }
        return counts;
    }

    /** The platform's heap (from its metrics) and its resident memory, once a second while the load runs. */
    private static final class MemorySampler {
        private final Http admin;
        private final @Nullable Platform platform;
        private final List<Double> heapMiB = Collections.synchronizedList(new ArrayList<>());
        private final List<Long> residentMiB = Collections.synchronizedList(new ArrayList<>());
        private final Map<String, Double> heapMax = new ConcurrentHashMap<>();
        private final java.util.concurrent.ScheduledExecutorService timer =
                Executors.newSingleThreadScheduledExecutor();

        MemorySampler(Http admin, @Nullable Platform platform) {
            this.admin = admin;
            this.platform = platform;
        }

        void start() {
            var max = metric("jvm.memory.max");
            if (max != null) {
                heapMax.put("max", max);
            }
            timer.scheduleAtFixedRate(this::sample, 0, 1, TimeUnit.SECONDS);
        }

        void stop() throws InterruptedException {
            timer.shutdown();
            timer.awaitTermination(10, TimeUnit.SECONDS);
        }

        private void sample() {
            var used = metric("jvm.memory.used");
            if (used != null) {
                heapMiB.add(used);
            }
            if (platform != null) {
                try {
                    residentMiB.add(platform.residentMiB());
                } catch (IOException e) {
                    // the process is gone: nothing more to sample
                }
            }
        }

        /** A heap metric in MiB, or null when the platform does not answer it (a refusal, say). */
        private @Nullable Double metric(String name) {
            try {
                var response = admin.get("/actuator/metrics/" + name + "?tag=area:heap");
                if (response.status() != 200) {
                    return null;
                }
                JsonNode value = response.body().path("measurements").path(0).path("value");
                return value.isNumber() ? value.asDouble() / (1024 * 1024) : null;
            } catch (IllegalStateException e) {
                return null;
            }
        }
    }

    private static Report.Section section(
            boolean quick,
            double capacity,
            double offered,
            int perKey,
            int burst,
            boolean ownPlatform,
            Duration duration,
            double seconds,
            List<Call> calls,
            MemorySampler memory,
            @Nullable Platform platform,
            @Nullable Map<String, Long> ended,
            double drained,
            String slowPredicts)
            throws IOException {
        var byStatus = new TreeMap<Integer, long[]>();
        for (var call : calls) {
            byStatus.computeIfAbsent(call.status(), s -> new long[2])[call.predict() ? 1 : 0]++;
        }
        var rows = new StringBuilder();
        byStatus.forEach((status, counts) -> rows.append("| ")
                .append(
                        switch (status) {
                            case -1 -> "no answer within " + CALL_TIMEOUT.toSeconds() + " s";
                            case -2 -> "connection failed";
                            default -> Integer.toString(status);
                        })
                .append(" | ")
                .append(counts[0])
                .append(" | ")
                .append(counts[1])
                .append(" |\n"));
        var jobs = latencies(calls, false);
        var predicts = latencies(calls, true);
        var answered2xx = calls.stream().filter(c -> c.status() / 100 == 2).count();
        long accepted = calls.stream().filter(c -> c.status() == 202).count();
        long succeededPredicts =
                calls.stream().filter(c -> c.predict() && c.status() == 200).count();
        var bad = new ArrayList<String>();
        long errors = calls.stream()
                .filter(c -> c.status() >= 500 && c.status() != 503 && c.status() != 504)
                .count();
        long gaveUp = calls.stream().filter(c -> c.status() == 504).count();
        long timeouts = calls.stream().filter(c -> c.status() < 0).count();
        long slow =
                calls.stream().filter(c -> c.millis() > CALL_TIMEOUT.toMillis()).count();
        if (errors > 0) {
            bad.add(errors + " answers of 500 or another server error");
        }
        if (gaveUp > 0) {
            bad.add(gaveUp + " predicts whose job did not end within their " + PREDICT_TIMEOUT_MS
                    + " ms (504, answered on time)");
        }
        if (timeouts > 0) {
            bad.add(timeouts + " calls without an answer (timed out or the connection failed)");
        }
        if (slow > 0) {
            bad.add(slow + " calls answered after more than " + CALL_TIMEOUT.toSeconds() + " s");
        }
        String outcome;
        if (ended == null) {
            outcome = "not checked: the bench has no database address (`--jdbc`)";
        } else {
            long succeeded = ended.getOrDefault("SUCCEEDED", 0L);
            outcome = "%d of %d accepted jobs SUCCEEDED %.1f s after the load ended (%s)"
                    .formatted(succeeded, accepted, drained, ended);
            if (succeeded != accepted) {
                bad.add("accepted jobs that did not succeed: " + ended);
            }
        }
        var heap = Stats.of(memory.heapMiB);
        var resident =
                memory.residentMiB.stream().mapToLong(Long::longValue).max().orElse(-1);
        String peakResident = platform == null ? "unknown (`--api`)" : platform.peakResidentMiB() + " MiB";
        return new Report.Section("Overload: twice the capacity for %s".formatted(human(duration)), """
            %d clients on loopback, each with at most one call in flight, alternating one-row inference jobs \
            (`POST /api/v1/jobs`, answered 202 when durable) and one-row synchronous predicts \
            (`POST /api/v1/models/{id}/predict`, `timeoutMs` %d). Capacity, measured first for %s with each \
            client calling as soon as it was answered (a job counted once it had ended): **%.1f calls/s**. Then \
            %.1f calls/s were offered for %s to %s with bounds at that capacity: `rate-limit.requests-per-second` \
            %d (burst %d) for each of %d API keys, `max-sync-waiting` %d.

            | answer | jobs | predicts |
            | --- | --- | --- |
            %s
            | | jobs | predicts |
            | --- | --- | --- |
            | answers per second | %.1f | %.1f |
            | latency p50, all answers | %.1f ms | %.1f ms |
            | latency p99, all answers | %.1f ms | %.1f ms |
            | latency max | %.1f ms | %.1f ms |

            Answered 2xx: %.1f/s (%d jobs accepted, %d predicts answered); offered %.1f/s, answered in all \
            %.1f/s. Accepted jobs: %s.

            The platform's memory while the load ran: heap used at most %.0f MiB (median %.0f, of %s MiB), \
            resident set at most %s MiB sampled (peak %s; its PostgreSQL is apart).

            %s

            %s
            """.formatted(
                        CLIENTS,
                        PREDICT_TIMEOUT_MS,
                        human(quick ? Duration.ofSeconds(10) : Duration.ofSeconds(30)),
                        capacity,
                        offered,
                        human(duration),
                        ownPlatform ? "a platform of its own" : "the given installation (its own bounds)",
                        perKey,
                        burst,
                        KEYS,
                        MAX_SYNC_WAITING,
                        rows.toString().strip(),
                        count(calls, false) / seconds,
                        count(calls, true) / seconds,
                        jobs.percentile(50),
                        predicts.percentile(50),
                        jobs.percentile(99),
                        predicts.percentile(99),
                        jobs.max(),
                        predicts.max(),
                        answered2xx / seconds,
                        accepted,
                        succeededPredicts,
                        offered,
                        calls.size() / seconds,
                        outcome,
                        heap.max(),
                        heap.median(),
                        memory.heapMax.containsKey("max") ? "%.0f".formatted(memory.heapMax.get("max")) : "?",
                        resident < 0 ? "?" : Long.toString(resident),
                        peakResident,
                        bad.isEmpty()
                                ? "Nothing else: no 500, no call unanswered within " + CALL_TIMEOUT.toSeconds()
                                        + " s, every accepted job succeeded."
                                : "**Seen:** " + String.join("; ", bad) + ".",
                        slowPredicts));
    }

    /**
     * Where the predicts that took over a second spent it, from the platform's own timestamps (each its
     * transaction's start): medians and maxima of each leg of their jobs.
     */
    private static String slowPredicts(String jdbcUrl, List<Call> calls) {
        var ids = calls.stream()
                .filter(c -> c.predict() && c.millis() > 1000 && c.jobId() != null)
                .map(c -> UUID.fromString(c.jobId()))
                .toArray();
        if (ids.length == 0) {
            return "No predict took over a second.";
        }
        var legs = List.of(
                "j.started_at - j.created_at",
                "s.started_at - s.dispatched_at",
                "s.finished_at - s.started_at",
                "j.finished_at - coalesce(s.finished_at, s.dispatched_at)");
        var select = new StringBuilder("select count(*), count(s.started_at)");
        for (String leg : legs) {
            select.append(", percentile_cont(0.5) within group (order by extract(epoch from ")
                    .append(leg)
                    .append(")), max(extract(epoch from ")
                    .append(leg)
                    .append("))");
        }
        select.append(" from jobs j join shards s on s.job_id = j.id where j.id = any(?)");
        try (var connection = DriverManager.getConnection(jdbcUrl);
                var statement = connection.prepareStatement(select.toString())) {
            statement.setArray(1, connection.createArrayOf("uuid", ids));
            try (var rs = statement.executeQuery()) {
                rs.next();
                return """
                    Where the %d predicts that took over a second spent it (medians, maxima in brackets; %d of them \
                    started on a lane): submit → planned %.0f ms (%.0f); dispatched → a lane starts %.0f ms (%.0f); \
                    the lane's work %.0f ms (%.0f); the lane's end → the job ended %.0f ms (%.0f). A synchronous \
                    call's job has priority 100, but the scheduler does not order by priority: its task waits on its \
                    partition behind whatever was dispatched there before.""".formatted(
                                rs.getLong(1),
                                rs.getLong(2),
                                rs.getDouble(3) * 1e3,
                                rs.getDouble(4) * 1e3,
                                rs.getDouble(5) * 1e3,
                                rs.getDouble(6) * 1e3,
                                rs.getDouble(7) * 1e3,
                                rs.getDouble(8) * 1e3,
                                rs.getDouble(9) * 1e3,
                                rs.getDouble(10) * 1e3);
            }
        } catch (SQLException e) {
            return "Where the slow predicts spent their time could not be read: " + e.getMessage();
        }
    }

    private static Stats latencies(List<Call> calls, boolean predict) {
        return Stats.of(calls.stream()
                .filter(c -> c.predict() == predict)
                .map(Call::millis)
                .toList());
    }

    private static long count(List<Call> calls, boolean predict) {
        return calls.stream().filter(c -> c.predict() == predict).count();
    }

    private static String human(Duration d) {
        return d.toSeconds() % 60 == 0 ? d.toMinutes() + " min" : d.toSeconds() + " s";
    }
}
