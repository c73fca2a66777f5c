package io.shardflow.api.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bucket;
import io.shardflow.api.ApiSettings;
import io.shardflow.api.errors.TooBusyException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * A token bucket per caller ({@code shardflow.api.rate-limit.*}): {@code burst} requests at once, refilled at
 * {@code requests-per-second}. The buckets live in this process, so each API process counts on its own (N of them
 * let a key make N times the rate). A bucket unused for a while is dropped: by then it would be full again anyway.
 */
@Component
public class RateLimits {
    /** Longer than any bucket takes to fill up, so dropping an idle one changes nothing. */
    private static final Duration IDLE = Duration.ofMinutes(10);

    private final ApiSettings.RateLimit settings;
    private final Cache<String, Bucket> buckets;

    @Autowired
    public RateLimits(ApiSettings settings) {
        this(settings.rateLimit());
    }

    RateLimits(ApiSettings.RateLimit settings) {
        this.settings = settings;
        this.buckets = Caffeine.newBuilder()
                .expireAfterAccess(IDLE)
                .maximumSize(100_000)
                .build();
    }

    /** Takes one request from {@code callerId}'s bucket; a {@link TooBusyException} (429) when it is empty. */
    public void take(String callerId) {
        if (!settings.enabled()) {
            return;
        }
        var probe = buckets.get(callerId, id -> newBucket()).tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            long seconds = TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999L);
            throw TooBusyException.tooManyRequests(
                    seconds,
                    "this API key went over its rate of " + settings.requestsPerSecond()
                            + " requests a second after a burst of " + settings.capacity()
                            + " (shardflow.api.rate-limit); retry in " + Math.max(1, seconds) + " s");
        }
    }

    private Bucket newBucket() {
        return Bucket.builder()
                .addLimit(limit -> limit.capacity(settings.capacity())
                        .refillGreedy(settings.requestsPerSecond(), Duration.ofSeconds(1)))
                .build();
    }
}
