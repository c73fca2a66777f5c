package io.shardflow.api.models;

import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.db.models.ModelRow;
import java.time.Instant;
import java.util.UUID;

public record ModelView(UUID id, String name, ModelArchitecture architecture, long parameterBytes, UUID sourceJobId,
                        Instant createdAt) {
    public static ModelView of(ModelRow m) {
        return new ModelView(m.id(), m.name(), m.architecture(), m.parameterBytes(), m.sourceJobId(), m.createdAt());
    }
}
