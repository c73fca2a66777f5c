package io.shardflow.db.access;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** An API key as stored: everything but its secret, of which only a hash is kept. */
public record ApiKeyRow(
        UUID id,
        String name,
        String tenant,
        List<String> roles,
        Instant createdAt,
        @Nullable Instant lastUsedAt,
        @Nullable Instant revokedAt) {
    public ApiKeyRow {
        roles = List.copyOf(roles);
    }

    public boolean revoked() {
        return revokedAt != null;
    }
}
