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

    /**
     * How many jobs of a batch ({@code POST /api/v1/jobs:batch}) count as one request: about what one request costs
     * the server next to a job of a batch, so that a batch is neither a way around the limit nor priced out by it.
     */
    public static final int JOBS_PER_REQUEST = 100;

    /** Takes one request from {@code callerId}'s bucket; a {@link TooBusyException} (429) when it is empty. */
    public void take(String callerId) {
        take(callerId, 1, "");
    }

    /**
     * Counts a batch of {@code jobs} jobs, whose request {@link #take} counted already, as one request per
     * {@link #JOBS_PER_REQUEST} jobs; a {@link TooBusyException} (429) when the bucket has not that many left.
     */
    public void takeBatch(String callerId, int jobs) {
        // never more than a full bucket holds, which would refuse the batch for ever
        int more = Math.min((jobs + JOBS_PER_REQUEST - 1) / JOBS_PER_REQUEST, settings.capacity()) - 1;
        if (more > 0) {
            take(
                    callerId,
                    more,
                    " (a batch of " + jobs + " jobs counts as " + (more + 1) + " requests, one per " + JOBS_PER_REQUEST
                            + " jobs)");
        }
    }

    private void take(String callerId, int tokens, String counted) {
        if (!settings.enabled()) {
            return;
        }
        var probe = buckets.get(callerId, id -> newBucket()).tryConsumeAndReturnRemaining(tokens);
        if (!probe.isConsumed()) {
            long seconds = TimeUnit.NANOSECONDS.toSeconds(probe.getNanosToWaitForRefill() + 999_999_999L);
            throw TooBusyException.tooManyRequests(
                    seconds,
                    "this API key went over its rate of " + settings.requestsPerSecond()
                            + " requests a second after a burst of " + settings.capacity()
                            + " (shardflow.api.rate-limit)" + counted + "; retry in " + Math.max(1, seconds) + " s");
        }
    }

    private Bucket newBucket() {
        return Bucket.builder()
                .addLimit(limit -> limit.capacity(settings.capacity())
                        .refillGreedy(settings.requestsPerSecond(), Duration.ofSeconds(1)))
                .build();
    }
}
