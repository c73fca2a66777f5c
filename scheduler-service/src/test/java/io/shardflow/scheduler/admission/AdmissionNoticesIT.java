package io.shardflow.scheduler.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.shardflow.db.TestDatabase;
import io.shardflow.db.lanes.AdmissionSignal;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A worker in another process frees a lane: its transaction's NOTIFY wakes admission here once it commits, and not
 * at all when it rolls back. Against a real PostgreSQL.
 */
class AdmissionNoticesIT {
    private final TestDatabase db = TestDatabase.get();
    private final AtomicInteger wakes = new AtomicInteger();
    private final AdmissionNotices notices = new AdmissionNotices(db.dataSource, wakes::incrementAndGet);
    /** A signal with no admission in its process, as in a worker of its own. */
    private final AdmissionSignal remote = new AdmissionSignal(db.jdbc);

    @AfterEach
    void stop() {
        notices.stop();
    }

    @Test
    void aCommittedNoticeWakesAdmissionAndARolledBackOneDoesNot() {
        notices.start();
        // it wakes once as it starts listening, for anything sent before
        await().atMost(Duration.ofSeconds(10)).until(() -> wakes.get() >= 1);
        int before = wakes.get();

        db.tx.executeWithoutResult(s -> {
            remote.wakeAfterCommit();
            s.setRollbackOnly();
        });
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> wakes.get() == before);

        db.tx.executeWithoutResult(s -> {
            remote.wakeAfterCommit();
            remote.wakeAfterCommit(); // one notice per transaction however often asked
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> wakes.get() == before + 1);
    }

    @Test
    void whereAdmissionRunsInTheProcessItIsWokenDirectlyAfterCommit() {
        var local = new AtomicInteger();
        var signal = new AdmissionSignal(db.jdbc);
        signal.register(local::incrementAndGet);

        db.tx.executeWithoutResult(s -> {
            signal.wakeAfterCommit();
            assertThat(local.get()).as("not before the commit").isZero();
        });

        assertThat(local.get()).isEqualTo(1);
    }
}
