package io.shardflow.scheduler.planning;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.messaging.ConsumerGroups;
import io.shardflow.core.messaging.JobSubmitted;
import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.messaging.Topics;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.training.TrainingPlan;
import io.shardflow.db.jobs.InlinePlanning;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.messaging.JobEventPublisher;
import io.shardflow.messaging.JobLog;
import io.shardflow.scheduler.SchedulerSettings;
import io.shardflow.scheduler.coordination.Coordinators;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Plans an accepted job: checks it against the stored model and dataset, splits it, and has the coordinator of its
 * kind dispatch the first round, all in one transaction with the job locked. A job that cannot run fails here with
 * the reason.
 */
public class JobPlanner implements InlinePlanning {
    public static final String LISTENER_ID = "shardflow-planner";
    private static final Logger log = LoggerFactory.getLogger(JobPlanner.class);

    private final JobRepository jobs;
    private final PlanMaker plans;
    private final Coordinators coordinators;
    private final JobEventPublisher events;
    private final TransactionTemplate tx;

    public JobPlanner(
            JobRepository jobs,
            PlanMaker plans,
            Coordinators coordinators,
            JobEventPublisher events,
            TransactionTemplate tx) {
        this.jobs = jobs;
        this.plans = plans;
        this.coordinators = coordinators;
        this.events = events;
        this.tx = tx;
    }

    @KafkaListener(
            id = LISTENER_ID,
            topics = Topics.JOBS,
            groupId = ConsumerGroups.SCHEDULER,
            concurrency = "#{@'" + SchedulerSettings.BEAN + "'.listenerConcurrency()}")
    public void onJobSubmitted(ConsumerRecord<String, byte[]> record) {
        plan(MessageCodec.decode(record.value(), JobSubmitted.class).jobId());
    }

    @Override
    public void plan(UUID jobId) {
        try (var ignored = JobLog.of(jobId)) {
            planUnderItsName(jobId);
        }
    }

    private void planUnderItsName(UUID jobId) {
        tx.executeWithoutResult(s -> {
            var job = jobs.lock(jobId).orElse(null);
            if (job == null || !jobs.transition(jobId, JobStatus.QUEUED, JobStatus.PLANNING)) {
                log.debug("job {} is not waiting to be planned", jobId);
                return;
            }
            JobLog.tenant(job.tenant());
            try {
                var plan = plans.planOf(job);
                var coordination = coordinators.of(plan);
                jobs.recordPlan(jobId, plan, coordination.totalShards(job));
                var running = jobs.transitionAndRead(jobId, JobStatus.PLANNING, JobStatus.RUNNING)
                        .orElseThrow(() -> new IllegalStateException("job " + jobId + " left PLANNING under its lock"));
                coordination.start(job);
                events.publish(running, describe(plan));
            } catch (InvalidSpecException e) {
                jobs.finishUnlessTerminal(jobId, JobStatus.FAILED, String.valueOf(e.getMessage()));
                events.publish(jobs.find(jobId).orElseThrow(), null);
            }
        });
    }

    /** The timeline's note of the plan. */
    static String describe(Plan plan) {
        String over = "planned " + plan.dataShards() + " data shards over " + plan.rows();
        return switch (plan) {
            case Plan.DataInference p -> over + " rows" + auto(p.model());
            case Plan.ModelParallelInference p -> over + " rows" + modelSplit(p.model()) + auto(p.model());
            case Plan.Generation p -> over + " prompts" + auto(p.model());
            case Plan.PipelinedGeneration p -> over + " prompts" + modelSplit(p.model()) + auto(p.model());
            case Plan.DataParallelTraining p -> over + " rows" + training(p.training());
            case Plan.ModelParallelTraining p -> over + " rows" + modelSplit(p.model()) + training(p.training());
        };
    }

    private static String modelSplit(Plan.ModelPlan model) {
        return " × " + model.modelShards() + " " + model.strategy() + " model shards"
                + (model.microBatches() > 1 ? " in " + model.microBatches() + " micro-batches" : "");
    }

    private static String auto(Plan.@Nullable ModelPlan model) {
        return model != null && model.reason() != null ? " (AUTO: " + model.reason() + ")" : "";
    }

    private static String training(TrainingPlan training) {
        return "; " + training.totalSteps() + " steps, " + training.epochs() + " epochs, synchronising every "
                + training.syncEvery() + " step(s)";
    }
}
