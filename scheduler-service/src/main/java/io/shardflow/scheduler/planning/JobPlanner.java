package io.shardflow.scheduler.planning;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.messaging.JobSubmitted;
import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.messaging.Topics;
import io.shardflow.core.planning.DataPlanner;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.planning.Strategy;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.datasets.DatasetRow;
import io.shardflow.db.events.JobEventPublisher;
import io.shardflow.db.jobs.JobInputCheck;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.models.ModelRow;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.shards.ShardRow;
import io.shardflow.db.workers.WorkerRegistry;
import io.shardflow.scheduler.SchedulerSettings;
import io.shardflow.scheduler.dispatch.Dispatcher;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
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
    private final ShardRepository shards;
    private final ModelRepository models;
    private final DatasetRepository datasets;
    private final WorkerRegistry workers;
    private final Dispatcher dispatcher;
    private final JobEventPublisher events;
    private final SchedulerSettings settings;
    private final TransactionTemplate tx;

    public JobPlanner(JobRepository jobs, ShardRepository shards, ModelRepository models, DatasetRepository datasets,
                      WorkerRegistry workers, Dispatcher dispatcher, JobEventPublisher events,
                      SchedulerSettings settings, TransactionTemplate tx) {
        this.jobs = jobs;
        this.shards = shards;
        this.models = models;
        this.datasets = datasets;
        this.workers = workers;
        this.dispatcher = dispatcher;
        this.events = events;
        this.settings = settings;
        this.tx = tx;
    }

    @KafkaListener(id = LISTENER_ID, topics = Topics.JOBS, groupId = "shardflow-scheduler")
    public void onJobSubmitted(ConsumerRecord<String, byte[]> record) {
        plan(MessageCodec.decode(record.value(), JobSubmitted.class).jobId());
    }

    public void plan(java.util.UUID jobId) {
        tx.executeWithoutResult(s -> {
            var job = jobs.find(jobId).orElse(null);
            if (job == null || !jobs.transition(jobId, JobStatus.QUEUED, JobStatus.PLANNING)) {
                log.debug("job {} is not waiting to be planned", jobId);
                return;
            }
            try {
                var plan = planOf(job.spec());
                jobs.recordPlan(jobId, new String(MessageCodec.encode(plan), StandardCharsets.UTF_8), plan.dataShards());
                var rows = new ArrayList<ShardRow>();
                for (int i = 0; i < plan.shards().size(); i++) {
                    var range = plan.shards().get(i);
                    rows.add(new ShardRow(new ShardKey(jobId, 0, 0, i), null, range.start(), range.end(), 1,
                        job.spec().maxAttempts(), null, null, null));
                }
                shards.insertPending(rows);
                jobs.transition(jobId, JobStatus.PLANNING, JobStatus.RUNNING);
                for (var shard : shards.dispatchPending(jobId, 0, 0, Instant.now().plus(settings.dispatchLease()))) {
                    dispatcher.send(jobId, job.spec(), shard);
                }
                events.publish(jobs.find(jobId).orElseThrow(), "planned " + plan.dataShards() + " data shards over " + plan.rows() + " rows");
            } catch (InvalidSpecException e) {
                jobs.finishUnlessTerminal(jobId, JobStatus.FAILED, e.getMessage());
                events.publish(jobs.find(jobId).orElseThrow(), null);
            }
        });
    }

    private Plan planOf(JobSpec spec) {
        if (spec.parallelism().strategy() != Strategy.DATA) {
            throw new InvalidSpecException("parallelism.strategy", spec.parallelism().strategy() + " is not supported yet; use DATA");
        }
        ModelRow model = models.find(spec.model().id())
            .orElseThrow(() -> new InvalidSpecException("model.id", "model " + spec.model().id() + " does not exist"));
        DatasetRow dataset = datasets.find(spec.dataset().id())
            .orElseThrow(() -> new InvalidSpecException("dataset.id", "dataset " + spec.dataset().id() + " does not exist"));
        JobInputCheck.check(model, dataset, spec.dataset().features());
        Integer requested = spec.parallelism().dataShards();
        int shardCount = requested != null ? requested
            : DataPlanner.defaultShards(dataset.rows(), Math.max(settings.fallbackShards(), workers.liveLanes(settings.workerFreshness())));
        return Plan.data(dataset.rows(), shardCount);
    }
}
