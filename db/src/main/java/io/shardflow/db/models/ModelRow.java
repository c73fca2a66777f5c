package io.shardflow.db.models;

import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.training.Preprocessing;
import io.shardflow.core.training.TrainingMetrics;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A registered model's descriptor; its parameters are stored as tiles ({@link ModelTiles}).
 *
 * @param sourceJobId the training job that made it; null for a model registered with its parameters
 * @param metrics the final figures of that training
 * @param preprocessing what inference applies to the inputs first, as training did
 */
public record ModelRow(
        UUID id,
        String tenant,
        String name,
        ModelArchitecture architecture,
        long parameterBytes,
        @Nullable UUID sourceJobId,
        @Nullable UUID sourceDatasetId,
        @Nullable TrainingMetrics metrics,
        @Nullable Preprocessing preprocessing,
        Instant createdAt) {}
