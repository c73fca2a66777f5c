package io.shardflow.core.messaging;

import io.shardflow.core.planning.ShardLayout;
import java.util.List;
import java.util.UUID;

/**
 * On {@link Topics#SHARD_TASKS}: run one shard attempt. It only points at rows; the model, the parameters and the
 * data stay in PostgreSQL. A task whose attempt is older than the shard's is stale and dropped. Training tasks
 * read parameter version {@code version} of the job; {@code modelId} is null for them. {@code layout} places an
 * inference shard in a model-parallel plan (its partition, and where its input comes from).
 */
public record ShardTask(
        UUID jobId,
        int step,
        int stage,
        int shardIndex,
        int attempt,
        TaskKind kind,
        UUID modelId,
        UUID datasetId,
        List<String> features,
        String label,
        long rowStart,
        long rowEnd,
        int version,
        int localSteps,
        ShardLayout layout) {
    public String shardKey() {
        return jobId + "/" + step + "/" + stage + "/" + shardIndex;
    }
}
