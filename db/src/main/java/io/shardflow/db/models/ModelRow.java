package io.shardflow.db.models;

import io.shardflow.core.models.ModelArchitecture;
import java.time.Instant;
import java.util.UUID;

/** A registered model's descriptor; its parameters are tensors stored one per row. */
public record ModelRow(
        UUID id,
        String tenant,
        String name,
        ModelArchitecture architecture,
        long parameterBytes,
        UUID sourceJobId,
        UUID sourceDatasetId,
        String metrics,
        String preprocessing,
        Instant createdAt) {}
