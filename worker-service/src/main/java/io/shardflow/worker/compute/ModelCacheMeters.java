package io.shardflow.worker.compute;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Hits, misses and evictions of one of the worker's model caches ({@code dense} partitions, {@code gpt} networks):
 * a miss reads the model from PostgreSQL into the engine, so a high miss rate means lanes spend their time loading.
 */
public final class ModelCacheMeters {
    private final Counter hits;
    private final Counter misses;
    private final Counter evictions;

    public ModelCacheMeters(MeterRegistry registry, String cache) {
        hits = Counter.builder("shardflow.models.cache.hits")
                .description("Lookups that found the model loaded")
                .tag("cache", cache)
                .register(registry);
        misses = Counter.builder("shardflow.models.cache.misses")
                .description("Lookups that loaded the model from the registry")
                .tag("cache", cache)
                .register(registry);
        evictions = Counter.builder("shardflow.models.cache.evictions")
                .description("Loaded models dropped to make room")
                .tag("cache", cache)
                .register(registry);
    }

    public void hit() {
        hits.increment();
    }

    public void miss() {
        misses.increment();
    }

    public void evicted() {
        evictions.increment();
    }
}
