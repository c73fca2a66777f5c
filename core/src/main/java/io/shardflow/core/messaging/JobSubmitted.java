package io.shardflow.core.messaging;

import java.util.UUID;

/** On {@link Topics#JOBS}: a job is durable in PostgreSQL and waits to be planned. */
public record JobSubmitted(UUID jobId) {}
