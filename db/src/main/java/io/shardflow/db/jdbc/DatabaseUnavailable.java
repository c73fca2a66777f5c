package io.shardflow.db.jdbc;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessResourceException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

/**
 * Whether a failure means the database could not be reached (stopped, restarting, or no connection free within
 * Hikari's {@code connection-timeout}): work that failed so succeeds once it is back, so it is retried or answered
 * "try again", never reported as a fault of its own.
 */
public final class DatabaseUnavailable {
    private DatabaseUnavailable() {}

    /**
     * True when {@code e}, or what caused it, is Spring's translation of a connection failure, Hikari's timeout, or
     * PostgreSQL's SQLSTATE class 08 (connection exception) or 57P (the server is shutting down, or is starting and
     * does not accept connections yet); or a rollback that failed after one of those.
     */
    public static boolean causes(Throwable e) {
        int depth = 0;
        for (Throwable t = e; t != null && depth < 20; t = t.getCause(), depth++) {
            // a rollback that failed on the broken connection hides the failure that made it roll back
            if (t instanceof TransactionSystemException rollback) {
                var failure = rollback.getApplicationException();
                if (failure != null && failure != t && causes(failure)) {
                    return true;
                }
            }
            if (t instanceof DataAccessResourceFailureException
                    || t instanceof TransientDataAccessResourceException
                    || t instanceof CannotCreateTransactionException
                    || t instanceof SQLTransientConnectionException
                    || t instanceof SQLNonTransientConnectionException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                var state = sql.getSQLState();
                if (state.startsWith("08") || state.startsWith("57P")) {
                    return true;
                }
            }
        }
        return false;
    }
}
