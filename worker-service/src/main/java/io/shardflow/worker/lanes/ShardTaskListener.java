package io.shardflow.worker.lanes;

import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.messaging.Topics;
import io.shardflow.worker.compute.ComputeEngine;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;

/**
 * One Kafka consumer per compute lane, each polling one task at a time and running it on its own thread: a
 * busy lane takes no more work, and its offset is committed only after the shard's partial is durable.
 */
public class ShardTaskListener {
    public static final String LISTENER_ID = "shardflow-lanes";

    private final ShardExecutor executor;
    private final ComputeEngine engine;

    public ShardTaskListener(ShardExecutor executor, ComputeEngine engine) {
        this.executor = executor;
        this.engine = engine;
    }

    @KafkaListener(
            id = LISTENER_ID,
            topics = Topics.SHARD_TASKS,
            groupId = "shardflow-workers",
            containerFactory = "laneContainerFactory")
    public void onTask(ConsumerRecord<String, byte[]> record) {
        engine.bindLane(); // this consumer's thread is a lane: it computes on that lane's device
        executor.execute(MessageCodec.decode(record.value(), ShardTask.class));
    }
}
