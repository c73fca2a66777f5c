package io.shardflow.scheduler.aggregation;

import io.shardflow.core.generation.GenerationResult;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.messaging.ShardCompleted;
import io.shardflow.core.messaging.Topics;
import io.shardflow.db.events.JobEventPublisher;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.scheduler.dispatch.ShardRecovery;
import io.shardflow.scheduler.generation.PipelineGeneration;
import io.shardflow.scheduler.parallel.ModelParallelCoordinator;
import io.shardflow.scheduler.training.TrainingCoordinator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Follows shard completions. When every shard of a round is DONE it merges the partials: row concatenation for
 * data-parallel inference (shard order is row order), or a training round handed to the training coordinator.
 */
public class Aggregator {
    public static final String LISTENER_ID = "shardflow-aggregator";

    private final JobRepository jobs;
    private final ShardRepository shards;
    private final PartialStore partials;
    private final ResultStore results;
    private final ShardRecovery recovery;
    private final JobEventPublisher events;
    private final TrainingCoordinator training;
    private final ModelParallelCoordinator modelParallel;
    private final PipelineGeneration generation;
    private final TransactionTemplate tx;

    public Aggregator(
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
        this.generation = generation;
        this.training = training;
        this.modelParallel = modelParallel;
        this.jobs = jobs;
        this.shards = shards;
        this.partials = partials;
        this.results = results;
        this.recovery = recovery;
        this.events = events;
        this.tx = tx;
    }

    @KafkaListener(
            id = LISTENER_ID,
            topics = Topics.SHARD_RESULTS,
            groupId = "shardflow-scheduler",
            concurrency = "${shardflow.scheduler.listener-concurrency:2}")
    public void onShardCompleted(ConsumerRecord<String, byte[]> record) {
        handle(MessageCodec.decode(record.value(), ShardCompleted.class));
    }

    public void handle(ShardCompleted done) {
        tx.executeWithoutResult(s -> {
            JobRow job = jobs.find(done.jobId()).orElse(null);
            if (job == null || job.status().isTerminal()) {
                training.forget(done.jobId());
                generation.forget(done.jobId());
                return;
            }
            if (done.succeeded()) {
                var plan = job.parsedPlan();
                if (plan != null && plan.generation() && plan.splitsModel()) {
                    generation.stageDone(job, ShardKey.of(done));
                } else if (plan != null && plan.splitsModel()) {
                    modelParallel.shardDone(job, ShardKey.of(done));
                } else if (plan != null
                        && plan.training() != null
                        && plan.training().pipelined()) {
                    training.pipelineTaskDone(job, ShardKey.of(done));
                } else {
                    mergeIfComplete(job, done.step(), done.stage());
                }
                return;
            }
            shards.find(ShardKey.of(done))
                    .filter(shard ->
                            shard.attempt() == done.attempt() && !shard.status().isTerminal())
                    .ifPresent(shard -> recovery.attemptEnded(job, shard, done.error(), done.retryable()));
        });
    }

    /** Re-drives a job whose every shard is DONE but which did not finish (its last notice was lost). */
    public void resync(JobRow job) {
        var plan = job.parsedPlan();
        if (plan != null && plan.generation() && plan.splitsModel()) {
            generation.resync(job);
            return;
        }
        if (plan != null && plan.splitsModel()) {
            modelParallel.resync(job);
            return;
        }
        if (plan != null && plan.training() != null && plan.training().pipelined()) {
            for (var shard : shards.list(job.id())) {
                if (shard.status() == io.shardflow.core.shards.ShardStatus.DONE) {
                    training.pipelineTaskDone(jobs.find(job.id()).orElseThrow(), shard.key());
                }
            }
            return;
        }
        shards.latestRound(job.id()).ifPresent(round -> mergeIfComplete(job, round.step(), round.stage()));
    }

    /**
     * Records progress and, when every shard of the job's current round is DONE, merges. A notice about an earlier
     * round (a late or repeated one) changes nothing. Call in a transaction.
     */
    public void mergeIfComplete(JobRow job, int step, int stage) {
        var current = shards.latestRound(job.id());
        if (current.isEmpty() || current.get().step() != step || current.get().stage() != stage) {
            return;
        }
        var round = shards.countRound(job.id(), step, stage);
        jobs.recordProgress(job.id(), round.done());
        if (round.complete()) {
            merge(job, step, stage, round.total());
        }
    }

    private void merge(JobRow job, int step, int stage, int parts) {
        if (!jobs.transition(job.id(), JobStatus.RUNNING, JobStatus.AGGREGATING)) {
            return;
        }
        if (job.type() == JobType.TRAINING) {
            training.roundCompleted(job, step, stage);
            return;
        }
        if (job.parsedPlan().generation()) {
            var stored = partials.readRound(job.id(), step, stage);
            results.put(
                    job.id(),
                    GenerationResult.concat(stored.stream()
                                    .map(GenerationResult::decode)
                                    .toList())
                            .encode());
            partials.deleteRound(job.id(), step, stage);
        } else {
            // the shards' outputs are the result's rows in shard order: they stay, unread and uncopied
            results.putRound(job.id(), step, stage);
        }
        jobs.transition(job.id(), JobStatus.AGGREGATING, JobStatus.SUCCEEDED);
        events.publish(jobs.find(job.id()).orElseThrow(), "merged " + parts + " partials");
    }
}
