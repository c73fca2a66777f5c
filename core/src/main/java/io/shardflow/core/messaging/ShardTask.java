package io.shardflow.core.messaging;

import io.shardflow.core.planning.ShardLayout;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * On {@link Topics#SHARD_TASKS}: run one shard attempt. It only points at rows; the model, the parameters and the
 * data stay in PostgreSQL. A task whose attempt is older than the shard's is stale and dropped. Training tasks
 * read parameter version {@code version} of the job; {@code modelId} is null for them. {@code layout} places an
 * inference shard in a model-parallel plan (its partition, and where its input comes from). {@code tenant} is the job's,
 * for the worker's logs and meters (null in a task sent before it carried one).
 */
public record ShardTask(
        UUID jobId,
        int step,
        int stage,
        int shardIndex,
        int attempt,
        TaskKind kind,
        @Nullable UUID modelId,
        @Nullable UUID datasetId,
        List<String> features,
        @Nullable String label,
        long rowStart,
        long rowEnd,
        int version,
        int localSteps,
        ShardLayout layout,
        @Nullable String tenant) {
    /** The registered model an inference task runs; every inference task names one. */
    public UUID requireModelId() {
        if (modelId == null) {
            throw new IllegalStateException("task " + shardKey() + " names no model");
        }
        return modelId;
    }

    /** The dataset a task reads its rows from. */
    public UUID requireDatasetId() {
        if (datasetId == null) {
            throw new IllegalStateException("task " + shardKey() + " names no dataset");
        }
        return datasetId;
    }

    /** The shard as logs name it: step/stage/index. */
    public String shardName() {
        return step + "/" + stage + "/" + shardIndex;
    }

    public String shardKey() {
        return jobId + "/" + step + "/" + stage + "/" + shardIndex;
    }
}
