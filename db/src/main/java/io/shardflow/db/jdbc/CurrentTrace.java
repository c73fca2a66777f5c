package io.shardflow.db.jdbc;

import org.jspecify.annotations.Nullable;

/**
 * The trace the calling thread works in, as a W3C {@code traceparent} ({@code 00-<trace id>-<span id>-<flags>}), for
 * the rows that carry a job's trace from one process to the next: a job keeps the context it was accepted in, and
 * an outbox row the context it was written in, which the relay sends as the message's {@code traceparent} header.
 */
@FunctionalInterface
public interface CurrentTrace {
    /** No tracing: rows carry no context. */
    CurrentTrace NONE = () -> null;

    /** The current span's {@code traceparent}, or null outside any. */
    @Nullable
    String traceparent();
}
