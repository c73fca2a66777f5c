package io.shardflow.scheduler.training;

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
import io.shardflow.scheduler.coordination.EarlierPlans;
import io.shardflow.scheduler.coordination.JobFailures;
import io.shardflow.scheduler.dispatch.Dispatcher;

/** The training coordinators wired as {@code TrainingConfiguration} wires them, for tests outside this package. */
public final class TrainingFixture {
    private TrainingFixture() {}

    public record Coordinators(
            DataParallelTrainingCoordinator dataParallel, ModelParallelTrainingCoordinator modelParallel) {}

    public static Coordinators create(
            JobRepository jobs,
            ShardRepository shards,
            PartialStore partials,
            ActivationStore activations,
            TrainingStore store,
            PieceStore pieces,
            MetricsStore metrics,
            ModelRepository models,
            Rounds rounds,
            JobFailures failures,
            Dispatcher dispatcher,
            JobEventPublisher events,
            JobEventLog timeline) {
        var meters = TrainingMeters.unregistered();
        var trained = new TrainedModels(jobs, models, events);
        var server =
                new TrainingRounds(jobs, partials, store, metrics, failures, dispatcher, timeline, meters, trained);
        return new Coordinators(
                new DataParallelTrainingCoordinator(jobs, rounds, dispatcher, server, new EarlierPlans(jobs, failures)),
                new ModelParallelTrainingCoordinator(
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
                        trained));
    }
}
