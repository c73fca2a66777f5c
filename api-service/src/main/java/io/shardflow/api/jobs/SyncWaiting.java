package io.shardflow.api.jobs;

import io.shardflow.api.ApiSettings;
import io.shardflow.api.errors.TooBusyException;
import java.util.concurrent.Semaphore;
import org.springframework.stereotype.Component;

/**
 * Bounds the synchronous calls waiting for their jobs in this process ({@code shardflow.api.max-sync-waiting}). Each
 * holds an HTTP thread for up to its timeout; past the bound a call is refused at once with 503, before it makes a
 * job, so a burst of them cannot take every thread nor pile up jobs nobody waits for.
 */
@Component
public class SyncWaiting {
    /** Long enough for a typical synchronous call to end and free its place. */
    static final long RETRY_AFTER_SECONDS = 1;

    private final int max;
    private final Semaphore places;

    public SyncWaiting(ApiSettings settings) {
        this.max = settings.maxSyncWaiting();
        this.places = new Semaphore(max);
    }

    /** A place to wait in, given back by closing it; a {@link TooBusyException} (503) when none is free. */
    public Place enter() {
        if (!places.tryAcquire()) {
            throw TooBusyException.unavailable(
                    RETRY_AFTER_SECONDS,
                    max + " synchronous calls are waiting already (shardflow.api.max-sync-waiting); retry in "
                            + RETRY_AFTER_SECONDS + " s, or submit an asynchronous job with POST /api/v1/jobs");
        }
        return places::release;
    }

    /** How many calls wait now. */
    public int waiting() {
        return max - places.availablePermits();
    }

    /** A held place; closing it gives it back. */
    @FunctionalInterface
    public interface Place extends AutoCloseable {
        @Override
        void close();
    }
}
