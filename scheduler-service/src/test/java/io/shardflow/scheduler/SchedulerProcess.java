package io.shardflow.scheduler;

import io.shardflow.db.TestDatabase;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.events.JobEventLog;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.lanes.LaneRegistry;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.db.outbox.OutboxSignal;
import io.shardflow.db.partials.ActivationStore;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.quotas.QuotaDefaults;
import io.shardflow.db.quotas.TenantQuotas;
import io.shardflow.db.shards.Rounds;
import io.shardflow.db.shards.ShardQueue;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.training.MetricsStore;
import io.shardflow.db.training.PieceStore;
import io.shardflow.db.training.TrainingStore;
import io.shardflow.db.workers.WorkerRegistry;
import io.shardflow.messaging.JobEventPublisher;
import io.shardflow.messaging.JobMeters;
import io.shardflow.messaging.JobTracing;
import io.shardflow.messaging.OneRoundEnd;
import io.shardflow.scheduler.admission.Admission;
import io.shardflow.scheduler.admission.AdmissionPolicy;
import io.shardflow.scheduler.admission.LaneTasks;
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
import io.shardflow.scheduler.planning.JobPlanner;
import io.shardflow.scheduler.planning.PlanMaker;
import io.shardflow.scheduler.training.TrainingFixture;
import io.shardflow.scheduler.training.TrainingPreparation;
import java.time.Clock;
import java.time.Duration;

/**
 * Everything one scheduler process holds, wired over a real PostgreSQL and a clock, without a broker: tasks and
 * events stay in the outbox table, where tests read them, and notices are handed to {@link #aggregator} directly.
 * Two of these over one database are two scheduler processes.
 */
final class SchedulerProcess {
    static final SchedulerSettings SETTINGS = new SchedulerSettings(
            Duration.ofMinutes(5),
            Duration.ofMillis(200),
            Duration.ofSeconds(10),
            Duration.ofSeconds(1),
            Duration.ofSeconds(15),
            1,
            Duration.ofSeconds(30),
            Duration.ofSeconds(10),
            50,
            2,
            Duration.ofDays(30),
            Duration.ofHours(1));

    final JobPlanner planner;
    final Aggregator aggregator;
    final LeaseSweeper sweeper;
    final JobReconciler reconciler;
    /** Not started: a test runs its passes ({@link Admission#pass}), as {@link SimulatedLanes#take} does. */
    final Admission admission;

    SchedulerProcess(TestDatabase db, Clock clock, String name) {
        var jobs = new JobRepository(db.jdbc, clock);
        var shards = new ShardRepository(db.jdbc, db.template, clock);
        var partials = new PartialStore(db.jdbc, db.template);
        var activations = new ActivationStore(db.jdbc, db.template);
        var results = new ResultStore(db.jdbc, db.template, partials);
        var models = new ModelRepository(db.jdbc, db.template);
        var datasets = new DatasetRepository(db.jdbc, db.template, db.readAhead);
        var store = new TrainingStore(db.jdbc, db.template);
        var pieces = new PieceStore(db.jdbc, db.template);
        var metrics = new MetricsStore(db.jdbc);
        var timeline = new JobEventLog(db.jdbc, clock);
        var outbox = new Outbox(db.jdbc, new OutboxSignal());
        var events = new JobEventPublisher(
                timeline, outbox, "/shardflow/" + name, event -> {}, JobMeters.unregistered(), JobTracing.off());
        this.admission = admission(db, clock);
        var dispatcher = new Dispatcher(shards, admission);
        var rounds = new Rounds(jobs, shards);
        var end = new OneRoundEnd(jobs, rounds, events);
        var failures = new JobFailures(jobs, shards, events);
        var recovery = new ShardRecovery(shards, admission, failures, timeline);
        var training = TrainingFixture.create(
                jobs,
                shards,
                partials,
                activations,
                store,
                pieces,
                metrics,
                models,
                rounds,
                failures,
                dispatcher,
                events,
                timeline);
        var coordinators = new Coordinators(
                new DataInferenceCoordinator(jobs, rounds, dispatcher, results, end),
                new ModelParallelCoordinator(jobs, shards, partials, activations, results, models, dispatcher, events),
                new GenerationCoordinator(jobs, rounds, dispatcher, partials, results, end),
                new PipelineGenerationCoordinator(
                        jobs, shards, partials, activations, results, models, datasets, dispatcher, events),
                training.dataParallel(),
                training.modelParallel());
        var preparation = new TrainingPreparation(models, datasets, store, pieces, SETTINGS);
        var workers = new WorkerRegistry(db.jdbc, clock);
        var plans = new PlanMaker(models, datasets, workers, preparation, SETTINGS);
        this.planner = new JobPlanner(jobs, plans, coordinators, events, db.tx);
        this.aggregator = new Aggregator(jobs, shards, coordinators, recovery, admission, db.tx);
        this.sweeper = new LeaseSweeper(jobs, shards, recovery, db.tx, clock, SETTINGS.sweepInterval());
        this.reconciler = new JobReconciler(
                jobs, planner, coordinators, SETTINGS, new EarlierPlans(jobs, failures), db.tx, clock);
    }

    /** Admission as a scheduler process wires it, over the test's database and clock. */
    static Admission admission(TestDatabase db, Clock clock) {
        var shards = new ShardRepository(db.jdbc, db.template, clock);
        return new Admission(
                new LaneRegistry(db.jdbc, clock),
                new ShardQueue(db.jdbc),
                shards,
                new JobRepository(db.jdbc, clock),
                new TenantQuotas(db.jdbc, new QuotaDefaults(0, 0, 1, Duration.ofSeconds(30)), clock),
                new LaneTasks(new Outbox(db.jdbc, new OutboxSignal())),
                new AdmissionPolicy(SETTINGS.aging()),
                db.jdbc,
                db.tx,
                clock,
                SETTINGS.admissionInterval(),
                SETTINGS.dispatchLease(),
                Duration.ofSeconds(30));
    }
}
