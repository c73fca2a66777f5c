package io.shardflow.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.training.TrainingStore;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Parameter versions with their stamps: a reader that kept a version is told whether the row is still the one it
 * read (then it gets no bytes) or has been written since (a resume rewrites a version), in one round trip.
 */
class TrainingStoreIT {
    private final TestDatabase db = TestDatabase.get();
    private final JobRepository jobs = new JobRepository(db.jdbc, MutableClock.frozen());
    private final TrainingStore store = new TrainingStore(db.jdbc, db.template);

    @Test
    void aKnownStampBringsNoBytesAndARewriteChangesTheStamp() {
        var job = jobs.insert(UUID.randomUUID(), "store", JobSpecs.anInference(), null);
        long stamp = store.putState(job, 1, new byte[] {1}, new byte[] {2}).orElseThrow();
        assertThat(store.putState(job, 1, new byte[] {3}, new byte[] {4}))
                .as("exists already")
                .isEmpty();

        var fresh = store.stateUnless(job, 1, TrainingStore.NO_STAMP).orElseThrow();
        assertThat(fresh.stamp()).isEqualTo(stamp);
        assertThat(fresh.parameters()).containsExactly(1);
        assertThat(fresh.optimizer()).containsExactly(2);
        var known = store.stateUnless(job, 1, stamp).orElseThrow();
        assertThat(known.parameters()).isNull();
        assertThat(known.optimizer()).isNull();
        assertThat(store.parametersUnless(job, 1, stamp).orElseThrow().data()).isNull();

        store.replaceState(job, 1, new byte[] {5}, new byte[] {6});

        var rewritten = store.stateUnless(job, 1, stamp).orElseThrow();
        assertThat(rewritten.stamp()).isNotEqualTo(stamp);
        assertThat(rewritten.parameters()).containsExactly(5);
        assertThat(store.parametersUnless(job, 1, stamp).orElseThrow().data()).containsExactly(5);
        assertThat(store.stateUnless(job, 2, stamp)).isEmpty();
    }
}
