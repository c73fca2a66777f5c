package io.shardflow.api.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.api.ApiSettings;
import io.shardflow.api.errors.TooBusyException;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

/** A bucket per key: its burst at once, then 429 with the seconds until a token; other keys have their own. */
class RateLimitsTest {

    private static RateLimits limits(int perSecond, int burst) {
        return new RateLimits(new ApiSettings.RateLimit(perSecond, burst));
    }

    @Test
    void aKeyGetsItsBurstThenA429ThatSaysWhenToComeBack() {
        var limits = limits(1, 3);
        for (int i = 0; i < 3; i++) {
            limits.take("key-a");
        }

        assertThatThrownBy(() -> limits.take("key-a")).isInstanceOfSatisfying(TooBusyException.class, e -> {
            assertThat(e.status()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
            assertThat(e.retryAfterSeconds()).isEqualTo(1);
            assertThat(e.getMessage()).contains("1 requests a second after a burst of 3");
        });
        limits.take("key-b"); // a bucket of its own
    }

    @Test
    void withoutABurstAKeyGetsOneSecondsWorth() {
        var limits = limits(1, 0);
        limits.take("key");
        assertThatThrownBy(() -> limits.take("key")).isInstanceOf(TooBusyException.class);
    }

    @Test
    void aBatchCountsAsOneRequestPerHundredJobs() {
        var limits = limits(1, 10);
        // the request itself, then 250 jobs: 3 requests in all
        limits.take("key");
        limits.takeBatch("key", 250);
        limits.take("key");
        limits.takeBatch("key", 100); // one request, counted already
        for (int i = 0; i < 6; i++) {
            limits.take("key");
        }
        assertThatThrownBy(() -> limits.take("key")).isInstanceOf(TooBusyException.class);
        // a batch worth more than the whole bucket costs the bucket, never refused for ever
        limits.take("other");
        limits.takeBatch("other", 5_000);
        limits.takeBatch("key2", 1_100);
    }

    @Test
    void aRateOfZeroIsNoLimit() {
        var limits = limits(0, 0);
        for (int i = 0; i < 10_000; i++) {
            limits.take("key");
        }
    }
}
