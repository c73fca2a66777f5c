package io.shardflow.api.models;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.training.Preprocessing;
import io.shardflow.core.training.TrainingMetrics;
import io.shardflow.db.models.ModelRow;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A registered model: its architecture, size, metrics from the training that made it, and lineage (the job and
 * dataset it came from; absent for a model registered with explicit parameters).
 */
public record ModelView(
        UUID id,
        String name,
        ModelArchitecture architecture,
        long parameterBytes,
        @Nullable TrainingMetrics metrics,
        @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable Lineage lineage,
        @Nullable Preprocessing preprocessing,
        Instant createdAt) {

    public record Lineage(UUID job, @Nullable UUID dataset) {}

    public static ModelView of(ModelRow m) {
        var job = m.sourceJobId();
        var lineage = job == null ? null : new Lineage(job, m.sourceDatasetId());
        return new ModelView(
                m.id(),
                m.name(),
                m.architecture(),
                m.parameterBytes(),
                m.metrics(),
                lineage,
                m.preprocessing(),
                m.createdAt());
    }
}
