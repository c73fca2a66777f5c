package io.shardflow.worker.generation;

import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.planning.GptStages;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.models.ModelRow;
import io.shardflow.worker.compute.ComputeEngine;
import io.shardflow.worker.compute.GptNetwork;
import io.shardflow.worker.lanes.ShardInputException;
import java.util.LinkedHashMap;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Gpt networks loaded in the engine, one per model (or per pipeline stage of a model), kept while in use and for
 * later tasks. A network is closed only when no task holds it, so native memory is never freed under a running
 * forward pass; the least recently used idle ones go when more than {@code capacity} are loaded.
 */
public class GptNetworks {
    private final ModelRepository models;
    private final ComputeEngine engine;
    private final @Nullable Long cap;
    private final int capacity;
    private final LinkedHashMap<Key, Entry> loaded = new LinkedHashMap<>(16, 0.75f, true);

    /** A whole model ({@code stages} 1) or stage {@code stage} of {@code stages}. */
    public record Key(UUID modelId, int stage, int stages) {}

    private static final class Entry {
        final GptNetwork network;
        int users;

        Entry(GptNetwork network) {
            this.network = network;
        }
    }

    public GptNetworks(ModelRepository models, ComputeEngine engine, @Nullable Long cap, int capacity) {
        this.models = models;
        this.engine = engine;
        this.cap = cap;
        this.capacity = capacity;
    }

    /** The network of {@code key}, loaded if needed; hand it back with {@link #release}. */
    public GptNetwork acquire(ModelRow model, Key key) {
        synchronized (this) {
            var entry = loaded.get(key);
            if (entry != null) {
                entry.users++;
                return entry.network;
            }
        }
        var network = load(model, key);
        synchronized (this) {
            var entry = loaded.get(key);
            if (entry != null) {
                network.close(); // another lane loaded it meanwhile
            } else {
                entry = new Entry(network);
                loaded.put(key, entry);
            }
            entry.users++;
            evictIdle();
            return entry.network;
        }
    }

    public synchronized void release(Key key) {
        var entry = loaded.get(key);
        if (entry != null) {
            entry.users--;
            evictIdle();
        }
    }

    private GptNetwork load(ModelRow model, Key key) {
        var architecture = (GptArchitecture) model.architecture();
        var stage = GptStages.split(architecture, key.stages()).get(key.stage());
        long bytes = stage.bytes(architecture);
        if (cap != null && bytes > cap) {
            throw new ShardInputException("model " + model.id() + (key.stages() > 1 ? " stage " + key.stage() : "")
                    + " needs " + bytes + " bytes, above this worker's shardflow.worker.max-model-bytes of " + cap
                    + " bytes; run it with PIPELINE stages");
        }
        var parameters = models.loadNamed(model, stage.parameterNames(architecture));
        return new GptNetwork(engine.engine(), engine.device(), architecture, parameters);
    }

    private void evictIdle() {
        int excess = loaded.size() - capacity;
        for (var it = loaded.values().iterator(); excess > 0 && it.hasNext(); ) {
            var entry = it.next();
            if (entry.users == 0) {
                it.remove();
                entry.network.close();
                excess--;
            }
        }
    }

    public synchronized void closeAll() {
        loaded.values().forEach(e -> e.network.close());
        loaded.clear();
    }
}
