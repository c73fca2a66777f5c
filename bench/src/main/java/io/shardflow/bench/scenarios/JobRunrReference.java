package io.shardflow.bench.scenarios;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.time.Instant;
import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.jobs.states.StateName;
import org.jobrunr.scheduling.JobScheduler;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.server.JobActivator;
import org.jobrunr.storage.Paging;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;
import org.jspecify.annotations.Nullable;

/**
 * JobRunr on the platform's own PostgreSQL (its {@code jobrunr_*} tables, created on first use), in the bench's
 * JVM: the reference for taking in and running small jobs. Every run starts and ends with its tables empty of jobs,
 * so one scenario's jobs are never run or counted by the next. Public: JobRunr calls its job by reflection.
 */
public final class JobRunrReference implements AutoCloseable {
    /** The smallest poll interval JobRunr allows on a SQL database. */
    static final Duration POLL_INTERVAL = Duration.ofSeconds(5);

    private final HikariDataSource dataSource;
    private final PostgresStorageProvider storage;
    private final JacksonJsonMapper json = new JacksonJsonMapper();
    private final JobScheduler scheduler;

    JobRunrReference(String jdbcUrl, int connections) {
        var config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername("postgres");
        config.setPassword("");
        config.setMaximumPoolSize(connections);
        dataSource = new HikariDataSource(config);
        storage = new PostgresStorageProvider(dataSource);
        storage.setJobMapper(new JobMapper(json));
        scheduler = new JobScheduler(storage);
        clear();
    }

    /** JobRunr's version, from its jar's manifest. */
    static String version() {
        return JobScheduler.class.getPackage().getImplementationVersion();
    }

    /** The job: nothing, so that what is measured is JobRunr's handling of a job. */
    public static void noop() {
        // no work
    }

    /** Enqueues one job, one INSERT through JobRunr's storage provider. */
    void enqueue() {
        scheduler.enqueue(() -> noop());
    }

    /** How many jobs have succeeded; fails once one has failed (JobRunr would retry it later, as SCHEDULED). */
    long succeeded() {
        var stats = storage.getJobStats();
        if (stats.getFailed() + stats.getScheduled() > 0) {
            throw new IllegalStateException("a JobRunr job failed: "
                    + storage.getJobList(StateName.SCHEDULED, Paging.AmountBasedList.ascOnUpdatedAt(1)).stream()
                            .map(Job::getJobStates)
                            .toList());
        }
        return stats.getSucceeded();
    }

    /** A started background server with {@code workers} threads polling every {@link #POLL_INTERVAL}. */
    BackgroundJobServer server(int workers) {
        var server = new BackgroundJobServer(
                storage,
                json,
                noInstances(),
                BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration()
                        .andWorkerCount(workers)
                        .andPollInterval(POLL_INTERVAL));
        server.start();
        return server;
    }

    /** Deletes every job in every state. */
    void clear() {
        var now = Instant.now().plusSeconds(60);
        for (var state : StateName.values()) {
            storage.deleteJobsPermanently(state, now);
        }
    }

    @Override
    public void close() {
        clear();
        storage.close();
        dataSource.close();
    }

    /** The job is a static method: JobRunr asks for an instance only to learn that there is none. */
    private static JobActivator noInstances() {
        return new JobActivator() {
            @Override
            public <T> @Nullable T activateJob(Class<T> type) {
                return null; // no instance: JobRunr then calls the static method itself
            }
        };
    }
}
