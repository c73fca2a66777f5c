package io.shardflow.db.jdbc;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Lets the calling transaction's commit return before it is on disk ({@code synchronous_commit = off} for this
 * transaction only). PostgreSQL may then lose the transaction in a crash, whole and never in part, so this is only for
 * bookkeeping whose loss is redone safely: a message sent again, a shard admitted or claimed again. Intake, results
 * and a job's end still wait for the disk.
 */
public final class AsyncCommit {
    private AsyncCommit() {}

    /** Call inside the transaction. */
    public static void forThisTransaction(JdbcClient jdbc) {
        jdbc.sql("set local synchronous_commit = off").update();
    }
}
