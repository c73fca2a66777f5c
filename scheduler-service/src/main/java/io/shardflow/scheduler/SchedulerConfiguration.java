package io.shardflow.scheduler;

import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.events.JobEventLog;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRetention;
import io.shardflow.db.lanes.AdmissionSignal;
import io.shardflow.db.lanes.LaneRegistry;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.db.partials.ActivationStore;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.quotas.QuotaDefaults;
import io.shardflow.db.quotas.TenantQuotas;
import io.shardflow.db.shards.Rounds;
import io.shardflow.db.shards.ShardQueue;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.workers.WorkerRegistry;
import io.shardflow.messaging.JobEventPublisher;
import io.shardflow.messaging.JobTracing;
import io.shardflow.messaging.OneRoundEnd;
import io.shardflow.scheduler.admission.Admission;
import io.shardflow.scheduler.admission.AdmissionNotices;
import io.shardflow.scheduler.admission.AdmissionPolicy;
import io.shardflow.scheduler.admission.LaneTasks;
import io.shardflow.scheduler.admission.QueueMeters;
import io.shardflow.scheduler.aggregation.Aggregator;
import io.shardflow.scheduler.coordination.Coordinators;
import io.shardflow.scheduler.coordination.EarlierPlans;
import io.shardflow.scheduler.coordination.JobFailures;
import io.shardflow.scheduler.dispatch.Dispatcher;
import io.shardflow.scheduler.dispatch.ShardRecovery;
import io.shardflow.scheduler.generation.GenerationCoordinator;
import io.shardflow.scheduler.generation.PipelineGenerationCoordinator;
import io.shardflow.scheduler.inference.DataInferenceCoordinator;
import io.shardflow.scheduler.inference.ModelParallelCoordinator;
import io.shardflow.scheduler.leases.JobReconciler;
import io.shardflow.scheduler.leases.LeaseSweeper;
import io.shardflow.scheduler.leases.Retention;
import io.shardflow.scheduler.planning.JobPlanner;
import io.shardflow.scheduler.planning.PlanMaker;
import io.shardflow.scheduler.training.DataParallelTrainingCoordinator;
import io.shardflow.scheduler.training.ModelParallelTrainingCoordinator;
import io.shardflow.scheduler.training.TrainingPreparation;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.transaction.support.TransactionTemplate;

@Configuration(proxyBeanMethods = false)
class SchedulerConfiguration {

    @Bean
    QueueMeters queueMeters(JdbcClient jdbc) {
        return new QueueMeters(jdbc);
    }

    @Bean
    Dispatcher dispatcher(ShardRepository shards, Admission admission) {
        return new Dispatcher(shards, admission);
    }

    /** Admission woken directly by what this process does, and by NOTIFY from workers in other processes. */
    @Bean
    AdmissionNotices admissionNotices(DataSource dataSource, Admission admission, AdmissionSignal signal) {
        signal.register(admission::wake);
        return new AdmissionNotices(dataSource, admission::wake);
    }

    @Bean
    Admission admission(
            LaneRegistry lanes,
            ShardQueue queue,
            ShardRepository shards,
            JobRepository jobs,
            TenantQuotas quotas,
            QuotaDefaults quotaDefaults,
            Outbox outbox,
            JdbcClient jdbc,
            TransactionTemplate tx,
            Clock clock,
            SchedulerSettings settings,
            JobTracing tracing) {
        return new Admission(
                lanes,
                queue,
                shards,
                jobs,
                quotas,
                new LaneTasks(outbox, tracing),
                new AdmissionPolicy(settings.aging()),
                jdbc,
                tx,
                clock,
                settings.admissionInterval(),
                settings.dispatchLease(),
                quotaDefaults.fairShareWindow());
    }

    @Bean
    JobFailures jobFailures(JobRepository jobs, ShardRepository shards, JobEventPublisher events) {
        return new JobFailures(jobs, shards, events);
    }

    @Bean
    EarlierPlans earlierPlans(JobRepository jobs, JobFailures failures) {
        return new EarlierPlans(jobs, failures);
    }

    @Bean
    ShardRecovery shardRecovery(
            ShardRepository shards, Admission admission, JobFailures failures, JobEventLog timeline) {
        return new ShardRecovery(shards, admission, failures, timeline);
    }

    @Bean
    DataInferenceCoordinator dataInferenceCoordinator(
            JobRepository jobs, Rounds rounds, Dispatcher dispatcher, ResultStore results, OneRoundEnd end) {
        return new DataInferenceCoordinator(jobs, rounds, dispatcher, results, end);
    }

    @Bean
    ModelParallelCoordinator modelParallelCoordinator(
            JobRepository jobs,
            ShardRepository shards,
            PartialStore partials,
            ActivationStore activations,
            ResultStore results,
            ModelRepository models,
            Dispatcher dispatcher,
            JobEventPublisher events) {
        return new ModelParallelCoordinator(jobs, shards, partials, activations, results, models, dispatcher, events);
    }

    @Bean
    GenerationCoordinator generationCoordinator(
            JobRepository jobs,
            Rounds rounds,
            Dispatcher dispatcher,
            PartialStore partials,
            ResultStore results,
            OneRoundEnd end) {
        return new GenerationCoordinator(jobs, rounds, dispatcher, partials, results, end);
    }

    @Bean
    PipelineGenerationCoordinator pipelineGenerationCoordinator(
            JobRepository jobs,
            ShardRepository shards,
            PartialStore partials,
            ActivationStore activations,
            ResultStore results,
            ModelRepository models,
            DatasetRepository datasets,
            Dispatcher dispatcher,
            JobEventPublisher events) {
        return new PipelineGenerationCoordinator(
                jobs, shards, partials, activations, results, models, datasets, dispatcher, events);
    }

    @Bean
    Coordinators coordinators(
            DataInferenceCoordinator dataInference,
            ModelParallelCoordinator modelParallel,
            GenerationCoordinator generation,
            PipelineGenerationCoordinator pipelinedGeneration,
            DataParallelTrainingCoordinator dataParallelTraining,
            ModelParallelTrainingCoordinator modelParallelTraining) {
        return new Coordinators(
                dataInference,
                modelParallel,
                generation,
                pipelinedGeneration,
                dataParallelTraining,
                modelParallelTraining);
    }

    @Bean
    PlanMaker planMaker(
            ModelRepository models,
            DatasetRepository datasets,
            WorkerRegistry workers,
            TrainingPreparation preparation,
            SchedulerSettings settings) {
        return new PlanMaker(models, datasets, workers, preparation, settings);
    }

    @Bean
    JobPlanner jobPlanner(
            JobRepository jobs,
            PlanMaker plans,
            Coordinators coordinators,
            JobEventPublisher events,
            TransactionTemplate tx) {
        return new JobPlanner(jobs, plans, coordinators, events, tx);
    }

    @Bean
    Aggregator aggregator(
            JobRepository jobs,
            ShardRepository shards,
            Coordinators coordinators,
            ShardRecovery recovery,
            Admission admission,
            TransactionTemplate tx) {
        return new Aggregator(jobs, shards, coordinators, recovery, admission, tx);
    }

    @Bean
    Retention retention(JobRetention jobs, SchedulerSettings settings, Clock clock) {
        return new Retention(jobs, settings, clock);
    }

    @Bean
    LeaseSweeper leaseSweeper(
            JobRepository jobs,
            ShardRepository shards,
            ShardRecovery recovery,
            TransactionTemplate tx,
            Clock clock,
            SchedulerSettings settings) {
        return new LeaseSweeper(jobs, shards, recovery, tx, clock, settings.sweepInterval());
    }

    @Bean
    JobReconciler jobReconciler(
            JobRepository jobs,
            JobPlanner planner,
            Coordinators coordinators,
            SchedulerSettings settings,
            EarlierPlans earlier,
            TransactionTemplate tx,
            Clock clock) {
        return new JobReconciler(jobs, planner, coordinators, settings, earlier, tx, clock);
    }

    /** UP once the planner and the aggregator consume. */
    @Bean
    HealthIndicator schedulerHealthIndicator(KafkaListenerEndpointRegistry registry) {
        return () -> {
            var builder = Health.up();
            for (var id : List.of(JobPlanner.LISTENER_ID, Aggregator.LISTENER_ID)) {
                var container = registry.getListenerContainer(id);
                boolean running = container != null && container.isRunning();
                builder.withDetail(id, running ? "running" : "stopped");
                if (!running) {
                    builder.down();
                }
            }
            return builder.build();
        };
    }
}
