package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.assertOutputs;
import static io.shardflow.standalone.Fixtures.awaitStatus;
import static io.shardflow.standalone.Fixtures.created;
import static io.shardflow.standalone.Fixtures.inferenceJob;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardflow.scheduler.admission.Admission;
import io.shardflow.standalone.ServiceProcess.Kind;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Admission on a fleet of real worker processes: the API and the scheduler in this JVM (with PostgreSQL and Kafka),
 * and two one-lane workers as JVMs of their own, one that holds at most {@value #SMALL_CAP} parameter bytes and one
 * that holds {@value #LARGE_CAP}, both with a 3 s lease renewed every second.
 *
 * <ol>
 *   <li>A model above the small cap runs only on the large worker, whether the job asks for DATA or AUTO plans it
 *       (AUTO plans for the fleet's largest cap: the whole model, not split); a small model runs on both.
 *   <li>Priority on the real path: with admission paused, jobs of two tenants queue for the one lane that holds their
 *       model; a higher priority starts first, FIFO within a priority, and a priority changed while the shards wait
 *       applies to them.
 *   <li>A tenant's {@code maxRunningShards} of 1 holds it to one lane of two, while another tenant takes the other.
 *   <li>A worker killed (SIGKILL) in the middle of a shard: the shard is admitted again to the other worker once its
 *       lease runs out, seconds later, with no consumer group to rebalance. The test prints how long that took.
 * </ol>
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetIT {
    private static final long SMALL_CAP = 16_000;
    private static final long LARGE_CAP = 100_000;
    /** The re-admission bound: the 3 s lease, a 1 s sweep, a pass and a poll, with room for a busy machine. */
    private static final Duration READMISSION_BOUND = Duration.ofSeconds(15);

    private static final List<String> WIDE = columns("w", 32);
    private static final List<String> INPUTS = columns("x", 8);

    private static ShardflowStandalone platform;
    private static Api api;
    private static JdbcClient jdbc;
    private static Admission admission;
    private static final List<ServiceProcess> workers = new ArrayList<>();
    private static ServiceProcess small;
    private static ServiceProcess large;

    @BeforeAll
    static void startFleet() {
        var dataDir = TestPlatform.tempDirectory();
        platform = ShardflowStandalone.start(TestPlatform.arguments(
                dataDir,
                "--server.port=0",
                "--shardflow.standalone.services=api,scheduler",
                "--spring.main.banner-mode=off"));
        api = TestPlatform.api(platform);
        jdbc = platform.context().getBean(JdbcClient.class);
        admission = platform.context().getBean(Admission.class);
        small = startWorker("fleet-small", dataDir, SMALL_CAP);
        // this one logs JSON lines (ECS), with a line for every shard attempt it ends
        large = startWorker(
                "fleet-large",
                dataDir,
                LARGE_CAP,
                "--logging.structured.format.console=ecs",
                "--logging.level.io.shardflow.worker.lanes.ShardMeters=DEBUG");
        workers.forEach(ServiceProcess::awaitReady);
        // planning sees the fleet's caps once both have reported, and admission their lanes once ready
        var ids = new String[] {small.workerId(), large.workerId()};
        await().atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> jdbc.sql("select count(*) from workers where id = any(?)")
                                        .param(ids)
                                        .query(Long.class)
                                        .single()
                                == 2
                        && jdbc.sql("select count(*) from lanes where ready and worker_id = any(?)")
                                        .param(ids)
                                        .query(Long.class)
                                        .single()
                                == 2);
    }

    private static ServiceProcess startWorker(String name, Path dataDir, long cap, String... more) {
        var settings = new ArrayList<>(List.of(
                "--shardflow.worker.max-model-bytes=" + cap,
                "--shardflow.worker.lease=3s",
                "--shardflow.worker.heartbeat-interval=1s",
                // a forward pass and a database read per two rows: a shard of a few thousand rows takes seconds
                "--shardflow.worker.batch-rows=2"));
        settings.addAll(List.of(more));
        var worker = ServiceProcess.start(
                name, Kind.WORKER, platform.connectionFile(), dataDir, settings.toArray(String[]::new));
        workers.add(worker);
        return worker;
    }

    @AfterAll
    static void stopFleet() throws InterruptedException {
        for (var worker : workers) {
            worker.close();
        }
        if (platform != null) {
            platform.close();
        }
    }

    @Test
    @Order(1)
    void aModelAboveTheSmallCapRunsOnlyOnTheLargeWorkerAndAutoKeepsItWhole() {
        var wide = Fixtures.randomTable(81, 64, WIDE);
        var wideId = created(api.postCsv("/api/v1/datasets?name=fleet-wide", wide.csv()));
        var big = Fixtures.randomDense(82, 32, 64, 64, 8);
        var registered =
                api.postJson("/api/v1/models", big.mlpRequest("fleet-big")).json();
        assertThat(registered.get("parameterBytes").asLong())
                .isEqualTo(27_168)
                .isGreaterThan(SMALL_CAP)
                .isLessThanOrEqualTo(LARGE_CAP);
        var bigId = registered.get("id").asString();
        var narrow = Fixtures.randomTable(83, 64, INPUTS);
        var narrowId = created(api.postCsv("/api/v1/datasets?name=fleet-narrow", narrow.csv()));
        var tiny = Fixtures.randomDense(84, 8, 2);
        var tinyId = created(api.postJson("/api/v1/models", tiny.linearRequest("fleet-tiny")));

        var data = created(api.postJson("/api/v1/jobs", inferenceJob(bigId, wideId, WIDE, 4)));
        awaitStatus(api, data, "SUCCEEDED");
        assertOutputs(result(data), wide, WIDE, big);
        assertThat(workersOf(data)).as("every shard on the large worker").containsExactly(large.workerId());
        assertThat(jdbc.sql("select distinct need_bytes from shards where job_id = ?")
                        .param(UUID.fromString(data))
                        .query(Long.class)
                        .list())
                .containsExactly(27_168L);

        var auto = created(api.postJson("/api/v1/jobs", inferenceJob(bigId, wideId, WIDE, null)));
        var autoJob = awaitStatus(api, auto, "SUCCEEDED");
        assertOutputs(result(auto), wide, WIDE, big);
        var plan = autoJob.get("plan");
        assertThat(plan.get("strategy").asString()).isEqualTo("DATA");
        assertThat(plan.get("model").get("strategy").asString())
                .as(plan.toString())
                .isEqualTo("DATA");
        assertThat(plan.get("model").get("modelShards").asInt()).isEqualTo(1);
        assertThat(plan.get("model").get("largestPartitionBytes").asLong()).isEqualTo(27_168);
        assertThat(plan.get("model").get("reason").asString()).contains("fits a worker");
        assertThat(workersOf(auto)).containsExactly(large.workerId());

        // both lanes are idle, and the first pass gives one to each shard at the head of the queue
        var spread = created(api.postJson("/api/v1/jobs", inferenceJob(tinyId, narrowId, INPUTS, 4)));
        awaitStatus(api, spread, "SUCCEEDED");
        assertOutputs(result(spread), narrow, INPUTS, tiny);
        assertThat(workersOf(spread)).containsExactlyInAnyOrder(small.workerId(), large.workerId());

        // each worker process serves its own meters, to the scrape token only
        var meters = large.api(TestPlatform.SCRAPE_TOKEN).get("/actuator/prometheus");
        assertThat(meters.status()).as(meters.text()).isEqualTo(200);
        var scrape = PrometheusText.parse(meters.text());
        assertThat(scrape.sum("shardflow_lanes", "worker", large.workerId())).isEqualTo(1);
        assertThat(scrape.sum("shardflow_shards_duration_seconds_count", "kind", "INFER", "outcome", "DONE"))
                .isGreaterThanOrEqualTo(3);
        assertThat(large.api(null).get("/actuator/prometheus").status()).isEqualTo(401);
        assertThat(large.api("a-wrong-token-of-enough-length")
                        .get("/actuator/prometheus")
                        .status())
                .isEqualTo(401);
        assertThat(large.api(null).get("/actuator/health/readiness").status()).isEqualTo(200);

        // its log is JSON lines, and each line about a shard names the job, the tenant, the shard and the trace
        var lines = large.log()
                .lines()
                .filter(line -> line.startsWith("{"))
                .map(Api.JSON::readTree)
                .toList();
        var aboutShards = lines.stream()
                .filter(line -> line.path("message").asString("").startsWith("INFER attempt"))
                .toList();
        assertThat(aboutShards).as(large.log()).isNotEmpty().allSatisfy(line -> {
            assertThat(line.path("log").path("level").asString("")).isEqualTo("DEBUG");
            assertThat(line.path("tenant").asString("")).isEqualTo("default");
            assertThat(line.path("shard").asString("")).matches("\\d+/\\d+/\\d+");
            assertThat(line.path("jobId").asString("")).isIn(data, auto, spread);
            assertThat(line.path("traceId").asString("")).as("the job's trace").matches("[0-9a-f]{32}");
        });
        assertThat(aboutShards)
                .anySatisfy(line -> assertThat(line.path("jobId").asString("")).isEqualTo(spread));
    }

    @Test
    @Order(2)
    void higherPrioritiesStartFirstFifoWithinAPriorityAndAChangedPriorityApplies() {
        var suffix = UUID.randomUUID().toString().substring(0, 8);
        var low = api.as("fleet-low-" + suffix, "SUBMITTER");
        var high = api.as("fleet-high-" + suffix, "SUBMITTER");
        var table = Fixtures.randomTable(85, 24, WIDE);
        // above the small cap: only the large worker's lane holds these shards, so they start one after another
        var big = Fixtures.randomDense(86, 32, 64, 64, 8);
        var lowModel = created(low.postJson("/api/v1/models", big.mlpRequest("fleet-low")));
        var lowData = created(low.postCsv("/api/v1/datasets?name=fleet-low", table.csv()));
        var highModel = created(high.postJson("/api/v1/models", big.mlpRequest("fleet-high")));
        var highData = created(high.postCsv("/api/v1/datasets?name=fleet-high", table.csv()));

        String first;
        String second;
        String urgent;
        String raised;
        admission.stop();
        try {
            // priorities far apart: ageing (a level per 10 s waited) cannot reorder them while the test runs
            first = queued(low, prioritised(inferenceJob(lowModel, lowData, WIDE, 3), -50));
            second = queued(low, prioritised(inferenceJob(lowModel, lowData, WIDE, 3), -50));
            urgent = queued(high, prioritised(inferenceJob(highModel, highData, WIDE, 3), 50));
            raised = queued(low, prioritised(inferenceJob(lowModel, lowData, WIDE, 3), -50));
            var changed = api.postJson("/api/v1/jobs/" + raised + "/priority", Map.of("priority", 90));
            assertThat(changed.status()).as(changed.text()).isEqualTo(200);
        } finally {
            admission.start();
        }

        for (var job : List.of(first, second, urgent, raised)) {
            awaitStatus(api, job, "SUCCEEDED");
            assertOutputs(result(job), table, WIDE, big);
        }
        var started = runs(
                Stream.of(first, second, urgent, raised).map(UUID::fromString).toArray(UUID[]::new));
        var expected = new ArrayList<String>();
        for (var job : List.of(raised, urgent, first, second)) {
            for (int shard = 0; shard < 3; shard++) {
                expected.add(job + "/" + shard);
            }
        }
        assertThat(started.stream().map(r -> r.job() + "/" + r.shard()).toList())
                .as("the raised job, then the higher priority, then the rest in the order they were queued")
                .isEqualTo(expected);
        assertThat(started).allSatisfy(r -> {
            assertThat(r.attempt()).isEqualTo(1);
            assertThat(r.worker()).isEqualTo(large.workerId());
        });
        for (int i = 1; i < started.size(); i++) {
            assertThat(started.get(i).started())
                    .as("one lane: each shard starts after the one before it finished")
                    .isAfterOrEqualTo(started.get(i - 1).finished());
        }
    }

    @Test
    @Order(3)
    void aTenantAtItsMaxRunningShardsHoldsOneLaneWhileAnotherTenantTakesTheOther() {
        var suffix = UUID.randomUUID().toString().substring(0, 8);
        var cappedTenant = "fleet-capped-" + suffix;
        jdbc.sql("insert into tenant_quotas (tenant, max_running_shards) values (?, 1)")
                .param(cappedTenant)
                .update();
        var capped = api.as(cappedTenant, "SUBMITTER");
        var other = api.as("fleet-other-" + suffix, "SUBMITTER");
        // 4 shards of 100 rows: 50 forward passes and reads each, long enough to overlap the other lane's
        var table = Fixtures.randomTable(87, 400, INPUTS);
        var model = Fixtures.randomDense(88, 8, 32, 32, 4);
        var cappedJob = inferenceJob(
                created(capped.postJson("/api/v1/models", model.mlpRequest("fleet-capped"))),
                created(capped.postCsv("/api/v1/datasets?name=fleet-capped", table.csv())),
                INPUTS,
                4);
        var otherJob = inferenceJob(
                created(other.postJson("/api/v1/models", model.mlpRequest("fleet-other"))),
                created(other.postCsv("/api/v1/datasets?name=fleet-other", table.csv())),
                INPUTS,
                4);

        List<String> cappedJobs;
        String otherId;
        admission.stop();
        try {
            cappedJobs = List.of(queued(capped, cappedJob), queued(capped, cappedJob));
            otherId = queued(other, otherJob);
        } finally {
            admission.start();
        }
        var ids = cappedJobs.stream().map(UUID::fromString).toArray(UUID[]::new);
        var most = new AtomicInteger();
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    int running = jdbc.sql("select count(*) from shards where job_id = any(?) and status = 'RUNNING'")
                            .param(ids)
                            .query(Integer.class)
                            .single();
                    most.accumulateAndGet(running, Math::max);
                    return ended(cappedJobs.get(0)) && ended(cappedJobs.get(1)) && ended(otherId);
                });
        for (var job : cappedJobs) {
            awaitStatus(api, job, "SUCCEEDED");
            assertOutputs(result(job), table, INPUTS, model);
        }
        awaitStatus(api, otherId, "SUCCEEDED");
        assertOutputs(result(otherId), table, INPUTS, model);

        assertThat(most.get())
                .as("the most shards of the capped tenant seen running at once")
                .isEqualTo(1);
        var cappedRuns = runs(ids);
        for (int i = 1; i < cappedRuns.size(); i++) {
            assertThat(cappedRuns.get(i).started())
                    .as("the capped tenant's shards ran one at a time")
                    .isAfterOrEqualTo(cappedRuns.get(i - 1).finished());
        }
        var otherRuns = runs(UUID.fromString(otherId));
        assertThat(otherRuns)
                .as("the other tenant ran on the other lane meanwhile")
                .anySatisfy(o -> assertThat(cappedRuns)
                        .anySatisfy(c -> assertThat(o.overlaps(c)).isTrue()));
    }

    @Test
    @Order(4)
    void aKilledWorkersShardIsAdmittedAgainWithinALease() throws InterruptedException {
        var table = Fixtures.randomTable(89, 3_000, INPUTS);
        var model = Fixtures.randomDense(90, 8, 32, 32, 4);
        var tableId = created(api.postCsv("/api/v1/datasets?name=fleet-kill", table.csv()));
        var modelId = created(api.postJson("/api/v1/models", model.mlpRequest("fleet-kill")));

        var job = created(api.postJson("/api/v1/jobs", inferenceJob(modelId, tableId, INPUTS, 1)));
        var running = await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(5))
                .until(() -> shard(job).filter(s -> s.status().equals("RUNNING")), Optional::isPresent)
                .orElseThrow();
        assertThat(running.attempt()).isEqualTo(1);
        var victim = running.worker().equals(small.workerId()) ? small : large;
        var survivor = victim == small ? large : small;
        var killed = Instant.now();
        victim.kill();

        var again = await().atMost(READMISSION_BOUND)
                .pollInterval(Duration.ofMillis(20))
                .until(
                        () -> shard(job)
                                .filter(s -> s.attempt() > 1
                                        && Set.of("RUNNING", "DONE").contains(s.status())),
                        Optional::isPresent)
                .orElseThrow();
        assertThat(again.attempt()).isEqualTo(2);
        assertThat(again.worker()).isEqualTo(survivor.workerId());
        var readmitted = Duration.between(killed, again.dispatched());
        var restarted = Duration.between(killed, again.started());

        awaitStatus(api, job, "SUCCEEDED");
        assertOutputs(result(job), table, INPUTS, model);
        assertThat(api.get("/api/v1/jobs/" + job + "/events").json().findValuesAsString("detail"))
                .anyMatch(d -> d != null && d.contains(victim.workerId() + " stopped heartbeating"));
        System.out.printf(
                "fleet: worker %s SIGKILL while running a shard (lease 3 s, heartbeat 1 s): the shard was "
                        + "re-admitted after %d ms to %s, and started there %d ms after the kill%n",
                victim.name, readmitted.toMillis(), survivor.name, restarted.toMillis());
    }

    /** Submits {@code job} as {@code api}'s tenant and returns its id once its shards wait for admission. */
    private static String queued(Api api, Map<String, Object> job) {
        var id = created(api.postJson("/api/v1/jobs", job));
        // one job planned at a time, so their shards are queued in the order the jobs were submitted
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> jdbc.sql("select count(*) from shards where job_id = ? and status = 'PENDING'")
                                .param(UUID.fromString(id))
                                .query(Long.class)
                                .single()
                        > 0);
        return id;
    }

    private static Map<String, Object> prioritised(Map<String, Object> job, int priority) {
        var copy = new LinkedHashMap<>(job);
        copy.put("priority", priority);
        return copy;
    }

    private static tools.jackson.databind.JsonNode result(String job) {
        return api.get("/api/v1/jobs/" + job + "/result").json();
    }

    private static boolean ended(String job) {
        return List.of("SUCCEEDED", "FAILED", "CANCELLED")
                .contains(jdbc.sql("select status from jobs where id = ?")
                        .param(UUID.fromString(job))
                        .query(String.class)
                        .single());
    }

    /** The workers that ran the job's shards. */
    private static Set<String> workersOf(String job) {
        return jdbc
                .sql("select worker_id from shards where job_id = ?")
                .param(UUID.fromString(job))
                .query(String.class)
                .list()
                .stream()
                .collect(Collectors.toSet());
    }

    /** A shard as it ran: its job, index and attempt, where, and when. */
    record Ran(String job, int shard, int attempt, String worker, Instant started, Instant finished) {
        boolean overlaps(Ran other) {
            return started.isBefore(other.finished) && other.started.isBefore(finished);
        }
    }

    private static List<Ran> runs(UUID... jobs) {
        return jdbc.sql("select job_id, shard_index, attempt, worker_id, started_at, finished_at from shards "
                        + "where job_id = any(?) order by started_at")
                .param(jobs)
                .query((rs, n) -> new Ran(
                        rs.getObject(1, UUID.class).toString(),
                        rs.getInt(2),
                        rs.getInt(3),
                        rs.getString(4),
                        rs.getTimestamp(5).toInstant(),
                        rs.getTimestamp(6).toInstant()))
                .list();
    }

    /** The only shard of a one-shard job, as it is now. */
    record Shard(int attempt, String status, String worker, Instant dispatched, Instant started) {}

    private static Optional<Shard> shard(String job) {
        return jdbc.sql("select attempt, status, worker_id, dispatched_at, started_at from shards where job_id = ?")
                .param(UUID.fromString(job))
                .query((rs, n) -> new Shard(
                        rs.getInt(1),
                        rs.getString(2),
                        rs.getString(3),
                        instant(rs.getTimestamp(4)),
                        instant(rs.getTimestamp(5))))
                .optional();
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? Instant.EPOCH : timestamp.toInstant();
    }

    private static List<String> columns(String prefix, int count) {
        var columns = new ArrayList<String>();
        for (int i = 0; i < count; i++) {
            columns.add(prefix + i);
        }
        return List.copyOf(columns);
    }
}
