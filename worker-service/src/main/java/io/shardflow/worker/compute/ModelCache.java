package io.shardflow.worker.compute;

import ai.djl.Device;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.planning.ModelSplit;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.models.ModelRow;
import io.shardflow.worker.lanes.ShardInputException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Model partitions loaded into the engine, once per partition per worker, bounded by their parameter bytes.
 * A partition is read from the registry slice by slice: a worker never holds more of a model than its
 * partition. With a cap ({@code max-model-bytes}) a partition above it is refused, and the cache stays under it.
 */
public class ModelCache {
    private final ModelRepository models;
    private final ComputeEngine engine;
    private final @Nullable Long cap;
    private final Cache<Key, DenseModel> cache;
    private final ModelCacheMeters meters;

    /** A partition is loaded once per device: each lane computes with the copy on its own. */
    private record Key(UUID modelId, ModelSplit.Partition partition, boolean activateInput, Device device) {}

    public ModelCache(
            ModelRepository models, ComputeEngine engine, long maxBytes, @Nullable Long cap, ModelCacheMeters meters) {
        this.models = models;
        this.engine = engine;
        this.cap = cap;
        this.meters = meters;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(cap != null ? Math.min(cap, maxBytes) : maxBytes)
                .weigher((Key key, DenseModel m) -> (int) Math.min(Integer.MAX_VALUE, m.bytes()))
                .removalListener((@Nullable Key key, @Nullable DenseModel m, RemovalCause cause) -> {
                    if (cause.wasEvicted()) {
                        meters.evicted();
                    }
                    if (m != null) {
                        m.close();
                    }
                })
                .build();
    }

    public DenseModel get(ModelRow model, ModelSplit.Round round, ModelSplit.Partition partition) {
        long bytes = partition.bytes();
        if (cap != null && bytes > cap) {
            throw new ShardInputException("the partition of model " + model.id() + " needs " + bytes
                    + " bytes, above this worker's shardflow.worker.max-model-bytes of " + cap
                    + " bytes; split the model (TENSOR, PIPELINE or AUTO)");
        }
        var key = new Key(model.id(), partition, round.activateInput(), engine.device());
        var loaded = cache.getIfPresent(key);
        if (loaded != null) {
            meters.hit();
        } else {
            loaded = cache.get(key, k -> {
                meters.miss();
                return load(model, partition, k.activateInput(), k.device());
            });
        }
        if (loaded.isClosed()) {
            cache.asMap().remove(key, loaded);
            return get(model, round, partition);
        }
        return loaded;
    }

    private DenseModel load(ModelRow model, ModelSplit.Partition partition, boolean activateInput, Device device) {
        var layers = new ArrayList<DenseModel.Layer>();
        for (var slice : partition.slices()) {
            int rows = slice.rowEnd() - slice.rowStart();
            int cols = slice.colEnd() - slice.colStart();
            var weight = Tensor.matrix(
                    rows,
                    cols,
                    models.weightSlice(
                            model.id(),
                            slice.layer(),
                            slice.rowStart(),
                            slice.rowEnd(),
                            slice.colStart(),
                            slice.colEnd()));
            var bias = slice.bias()
                    ? Tensor.vector(models.biasSlice(model.id(), slice.layer(), slice.rowStart(), slice.rowEnd()))
                    : null;
            layers.add(new DenseModel.Layer(weight, bias));
        }
        return new DenseModel(
                engine.engine(),
                device,
                ((DenseArchitecture) model.architecture()).hiddenActivation(),
                layers,
                activateInput);
    }

    /** The models whose partitions are loaded now. */
    public Set<UUID> loaded() {
        var models = new HashSet<UUID>();
        cache.asMap().keySet().forEach(key -> models.add(key.modelId()));
        return models;
    }

    public void invalidateAll() {
        cache.invalidateAll();
    }
}
