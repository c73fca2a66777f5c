package io.shardflow.standalone;

import static io.shardflow.standalone.Fixtures.created;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import io.shardflow.api.jobs.SyncWaiting;
import io.shardflow.worker.lanes.Lanes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Back-pressure at the API, on an API of its own with small bounds (2 synchronous calls waiting, 1 request per second
 * per key after a burst of 10) beside the shared platform, whose scheduler and workers run its jobs. A synchronous
 * call past the bound is refused at once with 503 and Retry-After, before it makes a job; a key past its rate gets 429
 * with Retry-After while other keys go on; once there is room again, calls succeed.
 */
class BackPressureIT {
    private static final ShardflowStandalone platform = TestPlatform.shared();
    private static final Api admin = TestPlatform.api(platform);
    private static final Fixtures.Dense model = Fixtures.randomDense(151, 2, 1);
    private static String modelId;
    private static ExtraApi limited;

    @BeforeAll
    static void start() {
        modelId = created(admin.postJson("/api/v1/models", model.linearRequest("back-pressure")));
        limited = ExtraApi.start(
                platform,
                "--shardflow.api.max-sync-waiting=2",
                "--shardflow.api.rate-limit.requests-per-second=1",
                "--shardflow.api.rate-limit.burst=10");
    }

    @AfterAll
    static void stop() {
        if (limited != null) {
            limited.close();
        }
    }

    private static Api submitter() {
        return limited.as(admin.as("default", "SUBMITTER").key());
    }

    private static Api.Response predict(Api api) {
        return api.postJson(
                "/api/v1/models/" + modelId + "/predict",
                Map.of("rows", List.of(new float[] {1, 2}), "timeoutMs", 60_000));
    }

    private static long jobs() {
        return platform.context()
                .getBean(JdbcClient.class)
                .sql("select count(*) from jobs")
                .query(Long.class)
                .single();
    }

    @Test
    void aSynchronousCallPastTheBoundIs503AtOnceAndMakesNoJob() throws Exception {
        var api = submitter();
        var waiting = limited.bean(SyncWaiting.class);
        // the platform's lanes take no task for a while, so the calls that got in wait
        var lanes = platform.context().getBean(Lanes.class);
        lanes.stop();
        try {
            long initial = jobs();
            var first = CompletableFuture.supplyAsync(() -> predict(api));
            var second = CompletableFuture.supplyAsync(() -> predict(api));
            // a call counts as waiting before its job commits: both jobs exist before the count is taken
            await().atMost(Duration.ofSeconds(30)).until(() -> waiting.waiting() == 2 && jobs() == initial + 2);
            long before = jobs();

            var refused = predict(api);

            assertThat(refused.status()).as(refused.text()).isEqualTo(503);
            assertThat(refused.contentType()).contains("application/problem+json");
            assertThat(refused.header("Retry-After")).isEqualTo("1");
            assertThat(refused.json().get("detail").asString())
                    .contains("2 synchronous calls are waiting already")
                    .contains("shardflow.api.max-sync-waiting");
            assertThat(jobs()).as("no job was made for the refused call").isEqualTo(before);
            assertThat(first).isNotDone();

            lanes.start();
            for (var call : List.of(first, second)) {
                var answer = call.get(60, TimeUnit.SECONDS);
                assertThat(answer.status()).as(answer.text()).isEqualTo(200);
            }
        } finally {
            lanes.start();
        }
        assertThat(waiting.waiting()).isZero();
        var after = predict(api);
        assertThat(after.status()).as(after.text()).isEqualTo(200);
        assertThat(after.json().get("outputs").get(0).get(0).asDouble())
                .isCloseTo(model.forward(new float[] {1, 2})[0], within(1e-4));
    }

    @Test
    void aKeyPastItsRateGets429WithRetryAfterWhileOtherKeysGoOn() {
        var hasty = submitter();
        var other = submitter();
        Api.Response refused = null;
        // 10 at once, then 1 a second: calls as fast as they are answered run out of tokens well within 100
        for (int i = 0; i < 100 && refused == null; i++) {
            var response = hasty.get("/api/v1/jobs?size=1");
            if (response.status() == 429) {
                refused = response;
            } else {
                assertThat(response.status()).as(response.text()).isEqualTo(200);
            }
        }

        assertThat(refused).as("a key making calls without pause is refused").isNotNull();
        assertThat(refused.contentType()).contains("application/problem+json");
        long retryAfter = Long.parseLong(refused.header("Retry-After"));
        assertThat(retryAfter).isBetween(1L, 2L);
        assertThat(refused.json().get("status").asInt()).isEqualTo(429);
        assertThat(refused.json().get("detail").asString())
                .contains("went over its rate of 1 requests a second after a burst of 10")
                .contains("shardflow.api.rate-limit");
        var meanwhile = other.get("/api/v1/jobs?size=1");
        assertThat(meanwhile.status()).as("another key is not held up").isEqualTo(200);

        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofSeconds(retryAfter))
                .until(() -> hasty.get("/api/v1/jobs?size=1").status() == 200);
    }
}
