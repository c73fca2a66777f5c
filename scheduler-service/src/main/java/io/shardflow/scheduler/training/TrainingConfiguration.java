package io.shardflow.scheduler.training;

import io.micrometer.core.instrument.MeterRegistry;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.events.JobEventLog;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.partials.ActivationStore;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.shards.Rounds;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.training.MetricsStore;
import io.shardflow.db.training.TrainingStore;
import io.shardflow.messaging.JobEventPublisher;
import io.shardflow.scheduler.SchedulerSettings;
import io.shardflow.scheduler.coordination.JobFailures;
import io.shardflow.scheduler.dispatch.Dispatcher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The training coordinators and the parameter server they share, which stays inside this package. */
@Configuration(proxyBeanMethods = false)
class TrainingConfiguration {

    @Bean
    TrainingPreparation trainingPreparation(
            ModelRepository models, DatasetRepository datasets, TrainingStore store, SchedulerSettings settings) {
        return new TrainingPreparation(models, datasets, store, settings);
    }

    @Bean
    TrainingRounds trainingRounds(
            JobRepository jobs,
            PartialStore partials,
            TrainingStore store,
            MetricsStore metrics,
            ModelRepository models,
            JobFailures failures,
            Dispatcher dispatcher,
            JobEventPublisher events,
            JobEventLog timeline,
            MeterRegistry registry) {
        return new TrainingRounds(
                jobs,
                partials,
                store,
                metrics,
                models,
                failures,
                dispatcher,
                events,
                timeline,
                new TrainingMeters(registry));
    }

    @Bean
    DataParallelTrainingCoordinator dataParallelTrainingCoordinator(
            JobRepository jobs, Rounds rounds, Dispatcher dispatcher, TrainingRounds server) {
        return new DataParallelTrainingCoordinator(jobs, rounds, dispatcher, server);
    }

    @Bean
    PipelineTrainingCoordinator pipelineTrainingCoordinator(
            JobRepository jobs,
            ShardRepository shards,
            PartialStore partials,
            ActivationStore activations,
            Dispatcher dispatcher,
            TrainingRounds server) {
        return new PipelineTrainingCoordinator(jobs, shards, partials, activations, dispatcher, server);
    }
}
