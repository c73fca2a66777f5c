package io.shardflow.db.lanes;

import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Tells admission that a lane was freed or work was queued, once the transaction that did it commits. Where admission
 * runs in this process it is woken directly; elsewhere through PostgreSQL's {@code NOTIFY} on {@link #CHANNEL}, which
 * PostgreSQL delivers to its listeners at commit (and drops on rollback), so a worker in its own process needs no
 * completion notice through Kafka to have its lane refilled.
 */
public class AdmissionSignal {
    /** The channel a scheduler listens on. */
    public static final String CHANNEL = "shardflow_admission";

    private final JdbcClient jdbc;
    private volatile @Nullable Runnable local;

    public AdmissionSignal(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Admission in this process: woken directly from now on. */
    public void register(Runnable wake) {
        local = wake;
    }

    /** Wakes admission once the calling transaction commits (at once outside one). */
    public void wakeAfterCommit() {
        var wake = local;
        if (wake == null) {
            // delivered at commit: one notice per transaction however often it is asked
            jdbc.sql("select pg_notify('" + CHANNEL + "', '')").query().listOfRows();
            return;
        }
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            wake.run();
            return;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                wake.run();
            }
        });
    }
}
