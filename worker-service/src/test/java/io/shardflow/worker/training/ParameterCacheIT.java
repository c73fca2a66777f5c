package io.shardflow.worker.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.core.jobs.JobInput;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.db.MutableClock;
import io.shardflow.db.TestDatabase;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.training.TrainingStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The worker's copy of a training job's parameter version, against a real PostgreSQL: the same version is read once
 * and then only checked; a new version, or the same version rewritten (a job resumed from a checkpoint), is read
 * again; each caller gets a copy of its own.
 */
class ParameterCacheIT {
    private final TestDatabase db = TestDatabase.get();
    private final JobRepository jobs = new JobRepository(db.jdbc, MutableClock.frozen());
    /** Counts the reads that brought a version's bytes. */
    private final AtomicInteger reads = new AtomicInteger();

    private final TrainingStore store = new TrainingStore(db.jdbc, db.template) {
        @Override
        public Optional<StampedParameters> parametersUnless(UUID jobId, int version, long known) {
            var read = super.parametersUnless(jobId, version, known);
            if (read.isPresent() && read.get().data() != null) {
                reads.incrementAndGet();
            }
            return read;
        }
    };
    private final ParameterCache cache = new ParameterCache(store, 1 << 20);

    @Test
    void aVersionIsReadOnceAndThenOnlyChecked() {
        var job = job();
        store.putState(job, 3, bundle(1, 2, 3), bundle());

        assertThat(cache.get(job, 3)).isDeepEqualTo(new float[][] {{1, 2, 3}});
        assertThat(cache.get(job, 3)).isDeepEqualTo(new float[][] {{1, 2, 3}});
        assertThat(reads).hasValue(1);
    }

    @Test
    void aNewVersionOrTheSameVersionRewrittenIsReadAgain() {
        var job = job();
        store.putState(job, 3, bundle(1, 2, 3), bundle());
        cache.get(job, 3);

        store.putState(job, 4, bundle(4, 5, 6), bundle());
        assertThat(cache.get(job, 4)).isDeepEqualTo(new float[][] {{4, 5, 6}});
        assertThat(reads).hasValue(2);

        // a resume writes a version over what was there: the copy of it is stale
        store.replaceState(job, 4, bundle(7, 8, 9), bundle());
        assertThat(cache.get(job, 4)).isDeepEqualTo(new float[][] {{7, 8, 9}});
        assertThat(reads).hasValue(3);

        // and going back to an older version reads it too
        assertThat(cache.get(job, 3)).isDeepEqualTo(new float[][] {{1, 2, 3}});
        assertThat(reads).hasValue(4);
    }

    @Test
    void whatACallerChangesIsItsOwn() {
        var job = job();
        store.putState(job, 1, bundle(1, 2, 3), bundle());
        cache.get(job, 1)[0][0] = 42; // local steps change the parameters in place

        assertThat(cache.get(job, 1)).isDeepEqualTo(new float[][] {{1, 2, 3}});
    }

    @Test
    void aVersionThatIsGoneFailsEvenWhenACopyWasKept() {
        var job = job();
        store.putState(job, 1, bundle(1, 2, 3), bundle());
        cache.get(job, 1);
        store.dropParametersBefore(job, 2);

        assertThatThrownBy(() -> cache.get(job, 1)).hasMessageContaining("parameter version 1 of job " + job);
    }

    private UUID job() {
        var spec = new JobSpec(
                JobType.INFERENCE,
                new JobSpec.ModelRef(UUID.randomUUID()),
                null,
                new JobInput(null, List.of(new float[] {1})),
                null,
                null,
                null,
                null,
                null);
        return jobs.insert(UUID.randomUUID(), "training", spec, null);
    }

    private static byte[] bundle(float... values) {
        var tensors = new LinkedHashMap<String, Tensor>();
        if (values.length > 0) {
            tensors.put("w", Tensor.vector(values));
        }
        return TensorCodec.encodeBundle(tensors);
    }
}
