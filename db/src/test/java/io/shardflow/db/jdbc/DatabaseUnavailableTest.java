package io.shardflow.db.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

/** What says the database could not be reached, however it is wrapped, and what does not. */
class DatabaseUnavailableTest {

    @Test
    void aConnectionThatCouldNotBeHadOrWasLostIs() {
        var hikari = new SQLTransientConnectionException("HikariPool-1 - Connection is not available");
        assertThat(DatabaseUnavailable.causes(new CannotGetJdbcConnectionException("no connection", hikari)))
                .isTrue();
        assertThat(DatabaseUnavailable.causes(new CannotCreateTransactionException("no connection")))
                .isTrue();
        assertThat(DatabaseUnavailable.causes(new IllegalStateException(
                        "wrapped", new SQLException("An I/O error occurred while sending to the backend", "08006"))))
                .isTrue();
        assertThat(DatabaseUnavailable.causes(
                        new SQLException("terminating connection due to administrator command", "57P01")))
                .isTrue();
        assertThat(DatabaseUnavailable.causes(new SQLException("the database system is starting up", "57P03")))
                .isTrue();
    }

    @Test
    void aRollbackThatFailedAfterALostConnectionIs() {
        var rollback = new TransactionSystemException("JDBC rollback failed", new SQLException("Connection is closed"));
        rollback.initApplicationException(new SQLException("An I/O error occurred", "08006"));
        assertThat(DatabaseUnavailable.causes(rollback)).isTrue();

        var plain = new TransactionSystemException("JDBC rollback failed", new SQLException("Connection is closed"));
        plain.initApplicationException(new IllegalArgumentException("a bug"));
        assertThat(DatabaseUnavailable.causes(plain)).isFalse();
    }

    @Test
    void otherFailuresAreNot() {
        assertThat(DatabaseUnavailable.causes(new DataIntegrityViolationException("duplicate key")))
                .isFalse();
        assertThat(DatabaseUnavailable.causes(new SQLException("duplicate key", "23505")))
                .isFalse();
        assertThat(DatabaseUnavailable.causes(new IllegalStateException("no cause")))
                .isFalse();
    }
}
