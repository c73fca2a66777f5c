package io.shardflow.scheduler;

import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.events.JobEventLog;
import io.shardflow.db.events.JobEventPublisher;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.messaging.MessagingSettings;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.db.partials.ActivationStore;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.training.MetricsStore;
import io.shardflow.db.training.TrainingStore;
import io.shardflow.db.workers.WorkerRegistry;
import io.shardflow.scheduler.aggregation.Aggregator;
import io.shardflow.scheduler.dispatch.Dispatcher;
import io.shardflow.scheduler.dispatch.ShardRecovery;
import io.shardflow.scheduler.generation.PipelineGeneration;
import io.shardflow.scheduler.leases.JobReconciler;
import io.shardflow.scheduler.leases.LeaseSweeper;
import io.shardflow.scheduler.parallel.ModelParallelCoordinator;
import io.shardflow.scheduler.planning.JobPlanner;
import io.shardflow.scheduler.training.TrainingCoordinator;
import io.shardflow.scheduler.training.TrainingPreparation;
import java.util.List;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.transaction.support.TransactionTemplate;

@Configuration(proxyBeanMethods = false)
class SchedulerConfiguration {

    @Bean
    Dispatcher dispatcher(
            Outbox outbox, ShardRepository shards, MessagingSettings messaging, SchedulerSettings settings) {
        return new Dispatcher(outbox, shards, messaging, settings.dispatchLease());
    }

    @Bean
    TrainingPreparation trainingPreparation(
            ModelRepository models, DatasetRepository datasets, TrainingStore store, SchedulerSettings settings) {
        return new TrainingPreparation(models, datasets, store, settings);
    }

    @Bean
    TrainingCoordinator trainingCoordinator(
            JobRepository jobs,
            ShardRepository shards,
            PartialStore partials,
            ActivationStore activations,
            TrainingStore store,
            MetricsStore metrics,
            ModelRepository models,
            Dispatcher dispatcher,
            ShardRecovery recovery,
            JobEventPublisher events,
            JobEventLog timeline) {
        return new TrainingCoordinator(
                jobs, shards, partials, activations, store, metrics, models, dispatcher, recovery, events, timeline);
    }

    @Bean
    ShardRecovery shardRecovery(
            JobRepository jobs,
            ShardRepository shards,
            Dispatcher dispatcher,
            JobEventPublisher events,
            JobEventLog timeline,
            SchedulerSettings settings) {
        return new ShardRecovery(jobs, shards, dispatcher, events, timeline, settings);
    }

    @Bean
    JobPlanner jobPlanner(
            JobRepository jobs,
            ModelRepository models,
            DatasetRepository datasets,
            WorkerRegistry workers,
            Dispatcher dispatcher,
            JobEventPublisher events,
            SchedulerSettings settings,
            TrainingPreparation preparation,
            ModelParallelCoordinator modelParallel,
            TrainingCoordinator training,
            PipelineGeneration generation,
            TransactionTemplate tx) {
        return new JobPlanner(
                jobs,
                models,
                datasets,
                workers,
                dispatcher,
                events,
                settings,
                preparation,
                modelParallel,
                training,
                generation,
                tx);
    }

    @Bean
    PipelineGeneration pipelineGeneration(
            JobRepository jobs,
            ShardRepository shards,
            PartialStore partials,
            ActivationStore activations,
            ResultStore results,
            ModelRepository models,
            DatasetRepository datasets,
            Dispatcher dispatcher,
            JobEventPublisher events) {
        return new PipelineGeneration(
                jobs, shards, partials, activations, results, models, datasets, dispatcher, events);
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
    Aggregator aggregator(
            JobRepository jobs,
            ShardRepository shards,
            PartialStore partials,
            ResultStore results,
            ShardRecovery recovery,
            JobEventPublisher events,
            TrainingCoordinator training,
            ModelParallelCoordinator modelParallel,
            PipelineGeneration generation,
            TransactionTemplate tx) {
        return new Aggregator(
                jobs, shards, partials, results, recovery, events, training, modelParallel, generation, tx);
    }

    @Bean
    LeaseSweeper leaseSweeper(
            JobRepository jobs, ShardRepository shards, ShardRecovery recovery, TransactionTemplate tx) {
        return new LeaseSweeper(jobs, shards, recovery, tx);
    }

    @Bean
    JobReconciler jobReconciler(
            JobRepository jobs,
            JobPlanner planner,
            Aggregator aggregator,
            SchedulerSettings settings,
            TransactionTemplate tx) {
        return new JobReconciler(jobs, planner, aggregator, settings, tx);
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
