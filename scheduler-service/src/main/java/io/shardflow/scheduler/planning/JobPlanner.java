package io.shardflow.scheduler.planning;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.messaging.JobSubmitted;
import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.messaging.Topics;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.planning.ParallelPlanner;
import io.shardflow.core.planning.Plan;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.datasets.DatasetRow;
import io.shardflow.db.events.JobEventPublisher;
import io.shardflow.db.jobs.JobInputCheck;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.jobs.Prompts;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.models.ModelRow;
import io.shardflow.db.workers.WorkerRegistry;
import io.shardflow.scheduler.SchedulerSettings;
import io.shardflow.scheduler.dispatch.Dispatcher;
import io.shardflow.scheduler.generation.PipelineGeneration;
import io.shardflow.scheduler.parallel.ModelParallelCoordinator;
import io.shardflow.scheduler.training.TrainingCoordinator;
import io.shardflow.scheduler.training.TrainingPreparation;
import io.shardflow.scheduler.training.TrainingProgress;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Plans an accepted job: checks it against the stored model and dataset, splits its rows into shards, and
 * dispatches them, all in one transaction. A job that cannot run fails here with the reason.
 */
public class JobPlanner {
    public static final String LISTENER_ID = "shardflow-planner";
    private static final Logger log = LoggerFactory.getLogger(JobPlanner.class);

    private final JobRepository jobs;
    private final ModelRepository models;
    private final DatasetRepository datasets;
    private final WorkerRegistry workers;
    private final Dispatcher dispatcher;
    private final JobEventPublisher events;
    private final SchedulerSettings settings;
    private final TrainingPreparation preparation;
    private final ModelParallelCoordinator modelParallel;
    private final TrainingCoordinator training;
    private final PipelineGeneration generation;
    private final TransactionTemplate tx;

    public JobPlanner(
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
        this.generation = generation;
        this.jobs = jobs;
        this.training = training;
        this.modelParallel = modelParallel;
        this.preparation = preparation;
        this.models = models;
        this.datasets = datasets;
        this.workers = workers;
        this.dispatcher = dispatcher;
        this.events = events;
        this.settings = settings;
        this.tx = tx;
    }

    @KafkaListener(
            id = LISTENER_ID,
            topics = Topics.JOBS,
            groupId = "shardflow-scheduler",
            concurrency = "${shardflow.scheduler.listener-concurrency:2}")
    public void onJobSubmitted(ConsumerRecord<String, byte[]> record) {
        plan(MessageCodec.decode(record.value(), JobSubmitted.class).jobId());
    }

    public void plan(UUID jobId) {
        tx.executeWithoutResult(s -> {
            var job = jobs.find(jobId).orElse(null);
            if (job == null || !jobs.transition(jobId, JobStatus.QUEUED, JobStatus.PLANNING)) {
                log.debug("job {} is not waiting to be planned", jobId);
                return;
            }
            try {
                var plan = planOf(job);
                int total = totalShards(job, plan);
                jobs.recordPlan(jobId, new String(MessageCodec.encode(plan), StandardCharsets.UTF_8), total);
                jobs.transition(jobId, JobStatus.PLANNING, JobStatus.RUNNING);
                if (plan.generation() && plan.splitsModel()) {
                    generation.start(job, plan);
                } else if (plan.splitsModel()) {
                    modelParallel.start(job, plan);
                } else if (plan.training() != null) {
                    training.startCompute(job, plan, 0);
                } else {
                    dispatcher.startRound(job, plan, 0, 0);
                }
                if (plan.training() != null) {
                    jobs.recordTraining(jobId, TrainingProgress.json(plan.training(), 0), null);
                }
                events.publish(jobs.find(jobId).orElseThrow(), describe(plan));
            } catch (InvalidSpecException e) {
                jobs.finishUnlessTerminal(jobId, JobStatus.FAILED, e.getMessage());
                events.publish(jobs.find(jobId).orElseThrow(), null);
            }
        });
    }

    /** The tasks a plan runs: a pipelined generation counts every stage of every token step it may take. */
    private int totalShards(JobRow job, Plan plan) {
        if (!plan.splitsModel()) {
            return plan.dataShards();
        }
        if (plan.generation()) {
            return plan.model().modelShards() * job.spec().generation().maxTokens();
        }
        var architecture = (DenseArchitecture)
                models.find(job.spec().model().id()).orElseThrow().architecture();
        return ModelParallelCoordinator.totalShards(plan, ParallelPlanner.split(plan, architecture));
    }

    private Plan planOf(JobRow job) {
        var spec = job.spec();
        DatasetRow dataset = spec.dataset() == null
                ? null
                : datasets.find(spec.dataset().id())
                        .filter(d -> d.tenant().equals(job.tenant()))
                        .orElseThrow(() -> new InvalidSpecException(
                                "dataset.id", "dataset " + spec.dataset().id() + " does not exist"));
        if (spec.type() == JobType.TRAINING) {
            var target = preparation.target(spec, job.tenant());
            JobInputCheck.check(spec, target.architecture(), target.name(), dataset);
            var data = ParallelPlanner.trainingData(spec.parallelism(), dataset.rows(), fleet());
            return data.withTraining(preparation.prepare(job.id(), spec, target, dataset));
        }
        ModelRow model = models.find(spec.model().id())
                .filter(m -> m.tenant().equals(job.tenant()))
                .orElseThrow(() -> new InvalidSpecException(
                        "model.id", "model " + spec.model().id() + " does not exist"));
        String name = "'" + model.name() + "'";
        JobInputCheck.check(spec, model.architecture(), name, dataset);
        long rows = Prompts.inferenceRows(spec, model.architecture(), name, datasets, dataset);
        return ParallelPlanner.plan(spec.parallelism(), model.architecture(), rows, fleet());
    }

    private ParallelPlanner.Fleet fleet() {
        return workers.fleet(settings.workerFreshness(), settings.fallbackShards());
    }

    private static String describe(Plan plan) {
        String split = "planned " + plan.dataShards() + " data shards over " + plan.rows()
                + (plan.generation() ? " prompts" : " rows");
        if (plan.splitsModel()) {
            split += " × " + plan.model().modelShards() + " " + plan.model().strategy() + " model shards"
                    + (plan.model().microBatches() > 1 ? " in " + plan.model().microBatches() + " micro-batches" : "");
        }
        if (plan.model() != null && plan.model().reason() != null) {
            split += " (AUTO: " + plan.model().reason() + ")";
        }
        var training = plan.training();
        return training == null
                ? split
                : split + "; " + training.totalSteps() + " steps, " + training.epochs()
                        + " epochs, synchronising every " + training.syncEvery() + " step(s)";
    }
}
