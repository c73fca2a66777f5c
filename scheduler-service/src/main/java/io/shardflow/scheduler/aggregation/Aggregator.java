package io.shardflow.scheduler.aggregation;

import io.shardflow.core.messaging.ConsumerGroups;
import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.messaging.ShardCompleted;
import io.shardflow.core.messaging.Topics;
import io.shardflow.core.shards.ShardFailure;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.messaging.JobLog;
import io.shardflow.scheduler.SchedulerSettings;
import io.shardflow.scheduler.admission.Admission;
import io.shardflow.scheduler.coordination.Coordinators;
import io.shardflow.scheduler.dispatch.ShardRecovery;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Follows shard completions: a success goes to the coordinator of the job's kind, which merges what it completes;
 * a failure to {@link ShardRecovery}. Each notice is handled in one transaction with its job locked, and then wakes
 * {@link Admission}: the lane the attempt ran on is free.
 */
public class Aggregator {
    public static final String LISTENER_ID = "shardflow-aggregator";

    private final JobRepository jobs;
    private final ShardRepository shards;
    private final Coordinators coordinators;
    private final ShardRecovery recovery;
    private final Admission admission;
    private final TransactionTemplate tx;

    public Aggregator(
            JobRepository jobs,
            ShardRepository shards,
            Coordinators coordinators,
            ShardRecovery recovery,
            Admission admission,
            TransactionTemplate tx) {
        this.jobs = jobs;
        this.shards = shards;
        this.coordinators = coordinators;
        this.recovery = recovery;
        this.admission = admission;
        this.tx = tx;
    }

    @KafkaListener(
            id = LISTENER_ID,
            topics = Topics.SHARD_RESULTS,
            groupId = ConsumerGroups.SCHEDULER,
            concurrency = "#{@'" + SchedulerSettings.BEAN + "'.listenerConcurrency()}")
    public void onShardCompleted(ConsumerRecord<String, byte[]> record) {
        handle(MessageCodec.decode(record.value(), ShardCompleted.class));
    }

    public void handle(ShardCompleted done) {
        try (var ignored = JobLog.of(done.jobId()).shard(done.step() + "/" + done.stage() + "/" + done.shardIndex())) {
            merge(done);
        }
    }

    private void merge(ShardCompleted done) {
        tx.executeWithoutResult(s -> {
            admission.wakeAfterCommit(); // the attempt's lane is free
            var job = jobs.lock(done.jobId()).orElse(null);
            if (job == null || job.status().isTerminal() || job.plan() == null) {
                return;
            }
            JobLog.tenant(job.tenant());
            var key = ShardKey.of(done);
            if (done.succeeded()) {
                coordinators.of(job).shardDone(job, key);
                return;
            }
            shards.find(key)
                    .filter(shard ->
                            shard.attempt() == done.attempt() && !shard.status().isTerminal())
                    .ifPresent(shard -> recovery.attemptEnded(
                            job,
                            shard,
                            String.valueOf(done.error()),
                            done.handedBack() ? ShardFailure.HANDED_BACK : ShardFailure.COMPUTE,
                            done.retryable(),
                            done.stackTrace()));
        });
    }
}
