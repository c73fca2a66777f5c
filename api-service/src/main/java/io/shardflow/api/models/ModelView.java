package io.shardflow.api.models;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.training.Preprocessing;
import io.shardflow.core.training.TrainingMetrics;
import io.shardflow.db.models.ModelRow;
import java.time.Instant;
import java.util.UUID;

/**
 * A registered model: its architecture, size, metrics from the training that made it, and lineage (the job and
 * dataset it came from; absent for a model registered with explicit parameters).
 */
public record ModelView(
        UUID id,
        String name,
        ModelArchitecture architecture,
        long parameterBytes,
        TrainingMetrics metrics,
        @JsonInclude(JsonInclude.Include.NON_NULL) Lineage lineage,
        Preprocessing preprocessing,
        Instant createdAt) {

    public record Lineage(UUID job, UUID dataset) {}

    public static ModelView of(ModelRow m) {
        var lineage = m.sourceJobId() == null ? null : new Lineage(m.sourceJobId(), m.sourceDatasetId());
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
