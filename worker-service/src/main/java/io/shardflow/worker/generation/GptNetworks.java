package io.shardflow.worker.generation;

import ai.djl.Device;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.planning.GptStages;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.models.ModelRow;
import io.shardflow.worker.compute.ComputeEngine;
import io.shardflow.worker.compute.GptNetwork;
import io.shardflow.worker.compute.ModelCacheMeters;
import io.shardflow.worker.lanes.ShardInputException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Set;
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
    private final ModelCacheMeters meters;
    private final LinkedHashMap<Loaded, Entry> loaded = new LinkedHashMap<>(16, 0.75f, true);

    /** A whole model ({@code stages} 1) or stage {@code stage} of {@code stages}. */
    public record Key(UUID modelId, int stage, int stages) {}

    /** A network is loaded once per device: each lane computes with the copy on its own. */
    private record Loaded(Key key, Device device) {}

    private static final class Entry {
        final GptNetwork network;
        int users;

        Entry(GptNetwork network) {
            this.network = network;
        }
    }

    public GptNetworks(
            ModelRepository models, ComputeEngine engine, @Nullable Long cap, int capacity, ModelCacheMeters meters) {
        this.models = models;
        this.engine = engine;
        this.cap = cap;
        this.capacity = capacity;
        this.meters = meters;
    }

    /** The network of {@code key} on the calling lane's device, loaded if needed; hand it back with {@link #release}. */
    public GptNetwork acquire(ModelRow model, Key key) {
        var at = new Loaded(key, engine.device());
        synchronized (this) {
            var entry = loaded.get(at);
            if (entry != null) {
                entry.users++;
                meters.hit();
                return entry.network;
            }
        }
        meters.miss();
        var network = load(model, key, at.device());
        synchronized (this) {
            var entry = loaded.get(at);
            if (entry != null) {
                network.close(); // another lane loaded it meanwhile
            } else {
                entry = new Entry(network);
                loaded.put(at, entry);
            }
            entry.users++;
            evictIdle();
            return entry.network;
        }
    }

    /** Hands back a network {@link #acquire} gave. */
    public synchronized void release(GptNetwork network) {
        for (var entry : loaded.values()) {
            if (entry.network == network) {
                entry.users--;
                evictIdle();
                return;
            }
        }
    }

    private GptNetwork load(ModelRow model, Key key, Device device) {
        var architecture = (GptArchitecture) model.architecture();
        var stage = GptStages.split(architecture, key.stages()).get(key.stage());
        long bytes = stage.bytes(architecture);
        if (cap != null && bytes > cap) {
            throw new ShardInputException("model " + model.id() + (key.stages() > 1 ? " stage " + key.stage() : "")
                    + " needs " + bytes + " bytes, above this worker's shardflow.worker.max-model-bytes of " + cap
                    + " bytes; run it with PIPELINE stages");
        }
        var parameters = models.loadNamed(model, stage.parameterNames(architecture));
        return new GptNetwork(engine.engine(), device, architecture, parameters);
    }

    private void evictIdle() {
        int excess = loaded.size() - capacity;
        for (var it = loaded.values().iterator(); excess > 0 && it.hasNext(); ) {
            var entry = it.next();
            if (entry.users == 0) {
                it.remove();
                entry.network.close();
                meters.evicted();
                excess--;
            }
        }
    }

    /** The models whose networks (or stages of them) are loaded now. */
    public synchronized Set<UUID> loaded() {
        var models = new HashSet<UUID>();
        loaded.keySet().forEach(at -> models.add(at.key().modelId()));
        return models;
    }

    public synchronized void closeAll() {
        loaded.values().forEach(e -> e.network.close());
        loaded.clear();
    }
}
