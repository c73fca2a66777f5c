package io.shardflow.scheduler;

import io.shardflow.db.TestDatabase;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.events.JobEventLog;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.db.outbox.OutboxSignal;
import io.shardflow.db.partials.ActivationStore;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.training.MetricsStore;
import io.shardflow.db.training.TrainingStore;
import io.shardflow.db.workers.WorkerRegistry;
import io.shardflow.messaging.JobEventPublisher;
import io.shardflow.messaging.MessagingSettings;
import io.shardflow.scheduler.aggregation.Aggregator;
import io.shardflow.scheduler.coordination.Coordinators;
import io.shardflow.scheduler.coordination.JobFailures;
import io.shardflow.scheduler.coordination.Rounds;
import io.shardflow.scheduler.dispatch.Dispatcher;
import io.shardflow.scheduler.dispatch.ShardRecovery;
import io.shardflow.scheduler.generation.GenerationCoordinator;
import io.shardflow.scheduler.generation.PipelineGenerationCoordinator;
import io.shardflow.scheduler.inference.DataInferenceCoordinator;
import io.shardflow.scheduler.inference.ModelParallelCoordinator;
import io.shardflow.scheduler.leases.JobReconciler;
import io.shardflow.scheduler.leases.LeaseSweeper;
import io.shardflow.scheduler.planning.JobPlanner;
import io.shardflow.scheduler.planning.PlanMaker;
import io.shardflow.scheduler.training.TrainingFixture;
import io.shardflow.scheduler.training.TrainingPreparation;
import java.time.Clock;
import java.time.Duration;
import org.springframework.util.unit.DataSize;

/**
 * Everything one scheduler process holds, wired over a real PostgreSQL and a clock, without a broker: tasks and
 * events stay in the outbox table, where tests read them, and notices are handed to {@link #aggregator} directly.
 * Two of these over one database are two scheduler processes.
 */
final class SchedulerProcess {
    static final SchedulerSettings SETTINGS = new SchedulerSettings(
            Duration.ofMinutes(5),
            Duration.ofSeconds(1),
            Duration.ofSeconds(15),
            1,
            Duration.ofSeconds(30),
            Duration.ofSeconds(10),
            50,
            2);

    final JobPlanner planner;
    final Aggregator aggregator;
    final LeaseSweeper sweeper;
    final JobReconciler reconciler;

    SchedulerProcess(TestDatabase db, Clock clock, String name) {
        var jobs = new JobRepository(db.jdbc, clock);
        var shards = new ShardRepository(db.jdbc, db.template, clock);
        var partials = new PartialStore(db.jdbc, db.template);
        var activations = new ActivationStore(db.jdbc, db.template);
        var results = new ResultStore(db.jdbc, db.template, partials);
        var models = new ModelRepository(db.jdbc, db.template);
        var datasets = new DatasetRepository(db.jdbc, db.template, db.readAhead);
        var store = new TrainingStore(db.jdbc, db.template);
        var metrics = new MetricsStore(db.jdbc);
        var timeline = new JobEventLog(db.jdbc, clock);
        var outbox = new Outbox(db.jdbc, new OutboxSignal());
        var events = new JobEventPublisher(timeline, outbox, "/shardflow/" + name, event -> {});
        var messaging = new MessagingSettings(
                12,
                (short) 1,
                Duration.ofMillis(500),
                500,
                Duration.ofSeconds(10),
                Duration.ofSeconds(10),
                DataSize.ofMegabytes(1));
        var dispatcher = new Dispatcher(outbox, shards, messaging, SETTINGS.dispatchLease(), clock);
        var rounds = new Rounds(jobs, shards);
        var failures = new JobFailures(jobs, shards, events);
        var recovery = new ShardRecovery(shards, dispatcher, failures, timeline);
        var training = TrainingFixture.create(
                jobs,
                shards,
                partials,
                activations,
                store,
                metrics,
                models,
                rounds,
                failures,
                dispatcher,
                events,
                timeline);
        var coordinators = new Coordinators(
                new DataInferenceCoordinator(jobs, rounds, dispatcher, results, events),
                new ModelParallelCoordinator(jobs, shards, partials, activations, results, models, dispatcher, events),
                new GenerationCoordinator(jobs, rounds, dispatcher, partials, results, events),
                new PipelineGenerationCoordinator(
                        jobs, shards, partials, activations, results, models, datasets, dispatcher, events),
                training.dataParallel(),
                training.pipeline());
        var preparation = new TrainingPreparation(models, datasets, store, SETTINGS);
        var workers = new WorkerRegistry(db.jdbc, clock);
        var plans = new PlanMaker(models, datasets, workers, preparation, SETTINGS);
        this.planner = new JobPlanner(jobs, plans, coordinators, events, db.tx);
        this.aggregator = new Aggregator(jobs, shards, coordinators, recovery, db.tx);
        this.sweeper = new LeaseSweeper(jobs, shards, recovery, db.tx, clock, SETTINGS.sweepInterval());
        this.reconciler = new JobReconciler(jobs, planner, coordinators, SETTINGS, db.tx, clock);
    }
}
