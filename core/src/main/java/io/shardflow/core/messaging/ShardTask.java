package io.shardflow.core.messaging;

import java.util.List;
import java.util.UUID;

/**
 * On {@link Topics#SHARD_TASKS}: run one shard attempt. It only points at rows; the model and the data stay in
 * PostgreSQL. A task whose attempt is older than the shard's is stale and dropped.
 */
public record ShardTask(UUID jobId, int step, int stage, int shardIndex, int attempt, UUID modelId, UUID datasetId,
                        List<String> features, long rowStart, long rowEnd) {
    public String shardKey() {
        return jobId + "/" + step + "/" + stage + "/" + shardIndex;
    }
}
