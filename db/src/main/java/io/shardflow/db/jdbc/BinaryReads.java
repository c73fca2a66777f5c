package io.shardflow.db.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.postgresql.PGStatement;
import org.springframework.jdbc.core.ArgumentPreparedStatementSetter;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.core.RowMapper;

/**
 * Queries that read large {@code bytea} values (dataset chunks, partials, results, parameter tiles) in
 * PostgreSQL's binary format from their first execution. The driver otherwise asks for text until a statement has
 * run five times on a connection: hex, twice the bytes, decoded in Java; and a pool spreads one statement over
 * many connections, so a bulk read often ran as text.
 */
public final class BinaryReads {
    private BinaryReads() {}

    public static void query(JdbcTemplate jdbc, String sql, RowCallbackHandler rows, Object... args) {
        jdbc.query(connection -> prepare(connection, sql, args), rows);
    }

    public static <T> List<T> list(JdbcTemplate jdbc, String sql, RowMapper<T> mapper, Object... args) {
        return jdbc.query(connection -> prepare(connection, sql, args), mapper);
    }

    /** The first row's value, if the query finds any. */
    public static <T> Optional<T> first(JdbcTemplate jdbc, String sql, RowMapper<T> mapper, Object... args) {
        return list(jdbc, sql, mapper, args).stream().findFirst();
    }

    private static PreparedStatement prepare(Connection connection, String sql, Object[] args) throws SQLException {
        var statement = connection.prepareStatement(sql);
        // a negative threshold makes the driver prepare on the server at once and receive results in binary
        statement.unwrap(PGStatement.class).setPrepareThreshold(-1);
        new ArgumentPreparedStatementSetter(args).setValues(statement);
        return statement;
    }
}
