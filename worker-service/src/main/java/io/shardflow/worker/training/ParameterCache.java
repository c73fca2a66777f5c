package io.shardflow.worker.training;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.shardflow.core.models.ModelParameters;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.db.training.TrainingStore;
import java.time.Duration;
import java.util.UUID;

/**
 * The parameter version each training job last computed with on this worker, decoded: the shards of a round, and
 * the rounds that follow an evaluation, compute from the same version, and each asks the database only whether its
 * row changed (one small round trip) instead of reading and decoding it again. A new version, or the same version
 * rewritten (a job that resumed from a checkpoint), is read afresh. Bounded by bytes, and a job's entry goes after
 * minutes without a round; each caller gets its own copy, since local steps change the parameters they are given.
 */
public class ParameterCache {
    private record Entry(int version, long stamp, float[][] params) {
        long bytes() {
            long floats = 0;
            for (float[] p : params) {
                floats += p.length;
            }
            return floats * Float.BYTES;
        }
    }

    private static final Duration IDLE = Duration.ofMinutes(5);

    private final TrainingStore store;
    private final Cache<UUID, Entry> cache;

    public ParameterCache(TrainingStore store, long maxBytes) {
        this.store = store;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((UUID job, Entry entry) -> (int) Math.min(Integer.MAX_VALUE, entry.bytes()))
                // a job with no round for this long has ended, or runs elsewhere
                .expireAfterAccess(IDLE)
                .build();
    }

    /** Parameter version {@code version} of the job, flat, as a copy the caller may change. */
    public float[][] get(UUID jobId, int version) {
        var known = cache.getIfPresent(jobId);
        long stamp = known != null && known.version() == version ? known.stamp() : TrainingStore.NO_STAMP;
        var read = store.parametersUnless(jobId, version, stamp)
                .orElseThrow(() ->
                        new IllegalStateException("parameter version " + version + " of job " + jobId + " is missing"));
        var data = read.data();
        float[][] params;
        if (data == null && known != null) {
            params = known.params();
        } else if (data != null) {
            params = ModelParameters.flat(TensorCodec.decodeBundle(data));
            cache.put(jobId, new Entry(version, read.stamp(), params));
        } else {
            throw new IllegalStateException("parameter version " + version + " of job " + jobId + " came without data");
        }
        return copy(params);
    }

    private static float[][] copy(float[][] params) {
        var copy = new float[params.length][];
        for (int i = 0; i < params.length; i++) {
            copy[i] = params[i].clone();
        }
        return copy;
    }
}
