package io.shardflow.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** One real PostgreSQL per test JVM, migrated by the production Flyway scripts. */
public final class TestDatabase {
    public static final String USER = "postgres";
    private static TestDatabase instance;

    /** For a Spring context of its own ({@code spring.datasource.url}); the user is {@link #USER}, no password. */
    public final String jdbcUrl;

    public final DataSource dataSource;
    public final JdbcClient jdbc;
    public final JdbcTemplate template;
    public final TransactionTemplate tx;
    /** Dataset reads ahead of use run here, as on the services' executor; it lives as long as the JVM. */
    public final ExecutorService readAhead = Executors.newVirtualThreadPerTaskExecutor();

    private TestDatabase(String jdbcUrl, DataSource dataSource) {
        this.jdbcUrl = jdbcUrl;
        this.dataSource = dataSource;
        this.jdbc = JdbcClient.create(dataSource);
        this.template = new JdbcTemplate(dataSource);
        this.tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    public static synchronized TestDatabase get() {
        if (instance == null) {
            try {
                var postgres = EmbeddedPostgres.builder().start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        postgres.close();
                    } catch (IOException e) {
                        // the JVM is going away
                    }
                }));
                var dataSource = postgres.getPostgresDatabase();
                Flyway.configure().dataSource(dataSource).load().migrate();
                instance = new TestDatabase(postgres.getJdbcUrl(USER, "postgres"), dataSource);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }
}
