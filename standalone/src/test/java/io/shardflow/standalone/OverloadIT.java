package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.created;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Twice the load the bounds admit, for a minute (the bench's {@code overload} scenario runs it for longer and measures
 * it): 32 clients, each with at most one call in flight, alternate one-row jobs and synchronous predicts at 40 calls
 * a second through an API whose 4 keys may make 5 a second each and where 2 predicts may wait at once; the shared
 * platform's scheduler and workers run the work. What must hold: every answer is 202 (a job), 200 (a predict), 429 or
 * 503, never a 500, and every call is answered within its bound; every accepted job SUCCEEDS; the heap (this JVM
 * holds the platform) stays bounded. Set {@code -Dshardflow.overload.seconds=N} to run it longer.
 */
class OverloadIT {
    private static final int CLIENTS = 32;
    private static final int KEYS = 4;
    private static final int PER_KEY = 5;
    private static final double OFFERED = 2.0 * KEYS * PER_KEY;
    private static final long PREDICT_TIMEOUT_MS = 30_000;
    /** The stated bound: a predict answers within its timeoutMs (then 504), everything else far sooner. */
    private static final Duration CALL_TIMEOUT = Duration.ofMillis(PREDICT_TIMEOUT_MS + 10_000);

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final ShardflowStandalone platform = TestPlatform.shared();
    private final Api admin = TestPlatform.api(platform);

    /** One call: its kind, its status (-1: no answer within {@link #CALL_TIMEOUT}), and the job an accepted one made. */
    private record Call(
            boolean predict,
            int status,
            long millis,
            @Nullable String jobId) {}

    @Test
    void twiceWhatTheBoundsAdmitIsRefusedPromptlyAndTheRestRuns() throws Exception {
        var duration = Duration.ofSeconds(Long.getLong("shardflow.overload.seconds", 60));
        String datasetId = created(admin.postCsv("/api/v1/datasets?name=overload", "x\n1\n"));
        var model = Fixtures.randomDense(161, 1, 1);
        String modelId = created(admin.postJson("/api/v1/models", model.linearRequest("overload")));
        String job = Api.JSON.writeValueAsString(Map.of(
                "type", "INFERENCE",
                "model", Map.of("id", modelId),
                "dataset", Map.of("id", datasetId, "features", List.of("x")),
                "parallelism", Map.of("strategy", "DATA", "dataShards", 1)));
        String predict =
                Api.JSON.writeValueAsString(Map.of("rows", List.of(new float[] {1}), "timeoutMs", PREDICT_TIMEOUT_MS));
        var keys = new ArrayList<String>();
        for (int k = 0; k < KEYS; k++) {
            keys.add(admin.as("default", "SUBMITTER").key());
        }

        var memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long heapBefore = memory.getHeapMemoryUsage().getUsed();
        long heapMax = memory.getHeapMemoryUsage().getMax();
        var heapPeak = new AtomicLong();
        var sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(
                () -> heapPeak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max),
                0,
                500,
                TimeUnit.MILLISECONDS);
        List<Call> calls;
        try (var limited = ExtraApi.start(
                platform,
                "--shardflow.api.max-sync-waiting=2",
                "--shardflow.api.rate-limit.requests-per-second=" + PER_KEY,
                "--shardflow.api.rate-limit.burst=" + PER_KEY)) {
            calls = offer(limited.base(), keys, "/api/v1/models/" + modelId + "/predict", predict, job, duration);
        } finally {
            sampler.shutdownNow();
        }

        var answers = new TreeMap<String, Long>();
        calls.forEach(c -> answers.merge((c.predict() ? "predict " : "job ") + c.status(), 1L, Long::sum));
        long slowest = calls.stream().mapToLong(Call::millis).max().orElse(0);
        System.out.printf(
                "overload: %d calls in %d s at %.0f/s offered: %s; slowest %d ms; heap peak %d MiB of %d%n",
                calls.size(), duration.toSeconds(), OFFERED, answers, slowest, heapPeak.get() >> 20, heapMax >> 20);

        assertThat(calls).as("calls made").hasSizeGreaterThan((int) (OFFERED * duration.toSeconds() / 4));
        assertThat(calls.stream().filter(c -> !c.predict()))
                .as("jobs: accepted or refused for the key's rate, nothing else")
                .allMatch(c -> c.status() == 202 || c.status() == 429);
        assertThat(calls.stream().filter(Call::predict))
                .as("predicts: answered, refused for the key's rate, or refused for the waiting bound")
                .allMatch(c -> c.status() == 200 || c.status() == 429 || c.status() == 503);
        assertThat(answers.getOrDefault("job 429", 0L) + answers.getOrDefault("predict 429", 0L))
                .as("twice the keys' rate is offered: some calls are refused")
                .isPositive();

        var accepted = calls.stream()
                .filter(c -> c.status() == 202)
                .map(c -> UUID.fromString(String.valueOf(c.jobId())))
                .toList();
        assertThat(accepted).as("accepted jobs").isNotEmpty();
        var jdbc = platform.context().getBean(JdbcClient.class);
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> jdbc.sql("select count(*) from jobs where id in (:ids) and status = 'SUCCEEDED'")
                                .param("ids", accepted)
                                .query(Long.class)
                                .single()
                        == accepted.size());

        System.gc();
        long heapAfter = memory.getHeapMemoryUsage().getUsed();
        assertThat(heapPeak.get()).as("heap used at its peak").isLessThan(heapMax * 3 / 4);
        assertThat(heapAfter - heapBefore)
                .as("heap kept after the load, beyond what was kept before it")
                .isLessThan(256L << 20);
    }

    /**
     * {@link #OFFERED} calls a second from {@link #CLIENTS} clients for {@code duration}: each starts its calls on
     * its own schedule, one at a time (a client behind schedule calls again as soon as it is answered), alternating
     * a job and a predict, with key {@code client mod keys}.
     */
    private static List<Call> offer(
            String base, List<String> keys, String predictPath, String predict, String job, Duration duration)
            throws Exception {
        var calls = Collections.synchronizedList(new ArrayList<Call>());
        long period = (long) (CLIENTS / OFFERED * 1e9);
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        var pool = Executors.newFixedThreadPool(CLIENTS);
        try {
            var clients = new ArrayList<Future<?>>();
            for (int c = 0; c < CLIENTS; c++) {
                String key = keys.get(c % keys.size());
                long first = start + period * c / CLIENTS;
                boolean predictFirst = c % 2 == 0;
                clients.add(pool.submit(() -> {
                    boolean isPredict = predictFirst;
                    for (long next = first; next < end; next += period) {
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait);
                        }
                        calls.add(call(
                                base,
                                key,
                                isPredict,
                                isPredict ? predictPath : "/api/v1/jobs",
                                isPredict ? predict : job));
                        isPredict = !isPredict;
                    }
                    return null;
                }));
            }
            for (var client : clients) {
                client.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return List.copyOf(calls);
    }

    private static Call call(String base, String key, boolean predict, String path, String body)
            throws InterruptedException {
        var request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(CALL_TIMEOUT)
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        long started = System.nanoTime();
        try {
            var response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            long millis = (System.nanoTime() - started) / 1_000_000;
            @Nullable
            String jobId = !predict && response.statusCode() == 202
                    ? Api.JSON.readTree(response.body()).get("id").asString()
                    : null;
            return new Call(predict, response.statusCode(), millis, jobId);
        } catch (IOException e) {
            return new Call(predict, -1, (System.nanoTime() - started) / 1_000_000, null);
        }
    }
}
