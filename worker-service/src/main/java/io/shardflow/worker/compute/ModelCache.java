package io.shardflow.worker.compute;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.models.ModelRow;
import java.util.UUID;

/**
 * Models loaded into the engine, once per model per worker, bounded by their parameter bytes. Registered models
 * never change, so the id is the whole key.
 */
public class ModelCache {
    private final ModelRepository models;
    private final ComputeEngine engine;
    private final Cache<UUID, DenseModel> cache;

    public ModelCache(ModelRepository models, ComputeEngine engine, long maxBytes) {
        this.models = models;
        this.engine = engine;
        this.cache = Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((UUID id, DenseModel m) -> (int) Math.min(Integer.MAX_VALUE, m.bytes()))
            .removalListener((UUID id, DenseModel m, RemovalCause cause) -> {
                if (m != null) {
                    m.close();
                }
            })
            .build();
    }

    public DenseModel get(ModelRow model) {
        var loaded = cache.get(model.id(), id -> new DenseModel(engine.engine(), engine.device(), model.architecture(),
            models.loadLayers(model)));
        if (loaded.isClosed()) {
            cache.asMap().remove(model.id(), loaded);
            return get(model);
        }
        return loaded;
    }

    public void invalidateAll() {
        cache.invalidateAll();
    }
}
