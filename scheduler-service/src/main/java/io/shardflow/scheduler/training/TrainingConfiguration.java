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
import io.shardflow.db.training.PieceStore;
import io.shardflow.db.training.TrainingStore;
import io.shardflow.messaging.JobEventPublisher;
import io.shardflow.scheduler.SchedulerSettings;
import io.shardflow.scheduler.coordination.EarlierPlans;
import io.shardflow.scheduler.coordination.JobFailures;
import io.shardflow.scheduler.dispatch.Dispatcher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The training coordinators and the parameter server they share, which stays inside this package. */
@Configuration(proxyBeanMethods = false)
class TrainingConfiguration {

    @Bean
    TrainingPreparation trainingPreparation(
            ModelRepository models,
            DatasetRepository datasets,
            TrainingStore store,
            PieceStore pieces,
            SchedulerSettings settings) {
        return new TrainingPreparation(models, datasets, store, pieces, settings);
    }

    @Bean
    TrainingRounds trainingRounds(
            JobRepository jobs,
            PartialStore partials,
            TrainingStore store,
            MetricsStore metrics,
            JobFailures failures,
            Dispatcher dispatcher,
            JobEventLog timeline,
            TrainingMeters meters,
            TrainedModels trained) {
        return new TrainingRounds(jobs, partials, store, metrics, failures, dispatcher, timeline, meters, trained);
    }

    @Bean
    TrainingMeters trainingMeters(MeterRegistry registry) {
        return new TrainingMeters(registry);
    }

    @Bean
    TrainedModels trainedModels(JobRepository jobs, ModelRepository models, JobEventPublisher events) {
        return new TrainedModels(jobs, models, events);
    }

    @Bean
    ModelParallelTrainingCoordinator modelParallelTrainingCoordinator(
            JobRepository jobs,
            ShardRepository shards,
            PartialStore partials,
            ActivationStore activations,
            PieceStore pieces,
            TrainingStore store,
            MetricsStore metrics,
            JobFailures failures,
            Dispatcher dispatcher,
            JobEventLog timeline,
            TrainingMeters meters,
            TrainedModels trained) {
        return new ModelParallelTrainingCoordinator(
                jobs,
                shards,
                partials,
                activations,
                pieces,
                store,
                metrics,
                failures,
                dispatcher,
                timeline,
                meters,
                trained);
    }

    @Bean
    DataParallelTrainingCoordinator dataParallelTrainingCoordinator(
            JobRepository jobs, Rounds rounds, Dispatcher dispatcher, TrainingRounds server, EarlierPlans earlier) {
        return new DataParallelTrainingCoordinator(jobs, rounds, dispatcher, server, earlier);
    }
}
