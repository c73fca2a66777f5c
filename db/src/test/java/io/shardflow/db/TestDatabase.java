package io.shardflow.db;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * One real PostgreSQL per test JVM, migrated by the production Flyway scripts: a Testcontainers container where a
 * Docker engine runs, the embedded server otherwise ({@link TestInfrastructure}).
 */
public final class TestDatabase {
    private static TestDatabase instance;

    /** For a Spring context of its own: {@code spring.datasource.url}, {@code username}, {@code password}. */
    public final String jdbcUrl;

    public final String user;
    public final String password;
    public final DataSource dataSource;
    public final JdbcClient jdbc;
    public final JdbcTemplate template;
    public final TransactionTemplate tx;
    /** Dataset reads ahead of use run here, as on the services' executor; it lives as long as the JVM. */
    public final ExecutorService readAhead = Executors.newVirtualThreadPerTaskExecutor();

    private TestDatabase(String jdbcUrl, String user, String password, DataSource dataSource) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.dataSource = dataSource;
        this.jdbc = JdbcClient.create(dataSource);
        this.template = new JdbcTemplate(dataSource);
        this.tx = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    public static synchronized TestDatabase get() {
        if (instance == null) {
            instance = TestInfrastructure.current() == TestInfrastructure.CONTAINERS ? container() : embedded();
            Flyway.configure().dataSource(instance.dataSource).load().migrate();
        }
        return instance;
    }

    private static TestDatabase container() {
        var postgres = TestInfrastructure.startPostgres();
        var dataSource = new PGSimpleDataSource();
        dataSource.setUrl(postgres.getJdbcUrl());
        dataSource.setUser(postgres.getUsername());
        dataSource.setPassword(postgres.getPassword());
        return new TestDatabase(postgres.getJdbcUrl(), postgres.getUsername(), postgres.getPassword(), dataSource);
    }

    private static TestDatabase embedded() {
        try {
            var postgres = EmbeddedPostgres.builder().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException e) {
                    // the JVM is going away
                }
            }));
            return new TestDatabase(
                    postgres.getJdbcUrl("postgres", "postgres"), "postgres", "", postgres.getPostgresDatabase());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
