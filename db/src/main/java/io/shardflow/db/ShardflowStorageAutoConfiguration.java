package io.shardflow.db;

import io.shardflow.db.access.ApiKeyRepository;
import io.shardflow.db.access.AuditLog;
import io.shardflow.db.access.IntakeBindings;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.events.JobEventLog;
import io.shardflow.db.jdbc.CurrentTrace;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRetention;
import io.shardflow.db.jobs.JobStatistics;
import io.shardflow.db.lanes.AdmissionSignal;
import io.shardflow.db.lanes.LaneRegistry;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.partials.ActivationStore;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.quotas.QueueBounds;
import io.shardflow.db.quotas.QuotaDefaults;
import io.shardflow.db.quotas.TenantLoad;
import io.shardflow.db.quotas.TenantQuotas;
import io.shardflow.db.shards.Rounds;
import io.shardflow.db.shards.ShardQueue;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.training.MetricsStore;
import io.shardflow.db.training.PieceStore;
import io.shardflow.db.training.TrainingStore;
import io.shardflow.db.usage.TenantUsage;
import io.shardflow.db.workers.WorkerRegistry;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The JDBC repositories, one instance per process however many services share it. */
@AutoConfiguration(
        after = {JdbcTemplateAutoConfiguration.class, JdbcClientAutoConfiguration.class, FlywayAutoConfiguration.class})
@EnableConfigurationProperties(QuotaDefaults.class)
public class ShardflowStorageAutoConfiguration {

    /** The time every service reads: leases, stalls, heartbeats. Tests put a clock of their own in its place. */
    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    JobRetention jobRetention(JobRepository jobs) {
        return new JobRetention(jobs);
    }

    @Bean
    JobStatistics jobStatistics(JdbcClient jdbc, Clock clock) {
        return new JobStatistics(jdbc, clock);
    }

    @Bean
    JobRepository jobRepository(JdbcClient jdbc, Clock clock, ObjectProvider<CurrentTrace> trace) {
        return new JobRepository(jdbc, clock, trace.getIfAvailable(() -> CurrentTrace.NONE));
    }

    @Bean
    ShardRepository shardRepository(JdbcClient jdbc, JdbcTemplate template, Clock clock) {
        return new ShardRepository(jdbc, template, clock);
    }

    @Bean
    PartialStore partialStore(JdbcClient jdbc, JdbcTemplate template) {
        return new PartialStore(jdbc, template);
    }

    @Bean
    ActivationStore activationStore(JdbcClient jdbc, JdbcTemplate template) {
        return new ActivationStore(jdbc, template);
    }

    @Bean
    ResultStore resultStore(JdbcClient jdbc, JdbcTemplate template, PartialStore partials) {
        return new ResultStore(jdbc, template, partials);
    }

    /**
     * Reads a dataset's next window while the caller computes on this one ({@link DatasetRepository#forEachWindow}):
     * virtual threads, since a read mostly waits on the database. Not a default candidate, so it neither stands in
     * for Boot's application task executor nor is injected anywhere unasked. Closed with the context, which waits
     * for the reads in progress (one window each).
     */
    @Bean(destroyMethod = "close", defaultCandidate = false)
    ExecutorService datasetReadAhead() {
        return Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("dataset-read-ahead-", 0).factory());
    }

    @Bean
    DatasetRepository datasetRepository(
            JdbcClient jdbc, JdbcTemplate template, @Qualifier("datasetReadAhead") ExecutorService readAhead) {
        return new DatasetRepository(jdbc, template, readAhead);
    }

    @Bean
    ModelRepository modelRepository(JdbcClient jdbc, JdbcTemplate template) {
        return new ModelRepository(jdbc, template);
    }

    @Bean
    TenantUsage tenantUsage(JdbcClient jdbc) {
        return new TenantUsage(jdbc);
    }

    @Bean
    LaneRegistry laneRegistry(JdbcClient jdbc, Clock clock) {
        return new LaneRegistry(jdbc, clock);
    }

    @Bean
    AdmissionSignal admissionSignal(JdbcClient jdbc) {
        return new AdmissionSignal(jdbc);
    }

    @Bean
    Rounds rounds(JobRepository jobs, ShardRepository shards) {
        return new Rounds(jobs, shards);
    }

    @Bean
    ShardQueue shardQueue(JdbcClient jdbc) {
        return new ShardQueue(jdbc);
    }

    @Bean
    TenantQuotas tenantQuotas(JdbcClient jdbc, QuotaDefaults defaults, Clock clock) {
        return new TenantQuotas(jdbc, defaults, clock);
    }

    @Bean
    TenantLoad tenantLoad(JdbcClient jdbc) {
        return new TenantLoad(jdbc);
    }

    @Bean
    QueueBounds queueBounds(JdbcClient jdbc) {
        return new QueueBounds(jdbc);
    }

    @Bean
    JobEventLog jobEventLog(JdbcClient jdbc, Clock clock) {
        return new JobEventLog(jdbc, clock);
    }

    @Bean
    TrainingStore trainingStore(JdbcClient jdbc, JdbcTemplate template) {
        return new TrainingStore(jdbc, template);
    }

    @Bean
    PieceStore pieceStore(JdbcClient jdbc, JdbcTemplate template) {
        return new PieceStore(jdbc, template);
    }

    @Bean
    MetricsStore metricsStore(JdbcClient jdbc) {
        return new MetricsStore(jdbc);
    }

    @Bean
    WorkerRegistry workerRegistry(JdbcClient jdbc, Clock clock) {
        return new WorkerRegistry(jdbc, clock);
    }

    @Bean
    ApiKeyRepository apiKeyRepository(JdbcClient jdbc, Clock clock) {
        return new ApiKeyRepository(jdbc, clock);
    }

    @Bean
    AuditLog auditLog(JdbcClient jdbc, Clock clock) {
        return new AuditLog(jdbc, clock);
    }

    @Bean
    IntakeBindings intakeBindings(JdbcClient jdbc, Clock clock) {
        return new IntakeBindings(jdbc, clock);
    }
}
