package io.shardflow.db.outbox;

import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.db.jdbc.CurrentTrace;
import io.shardflow.db.jdbc.SqlArgs;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Writes a message in the caller's transaction, so the message exists exactly when the state change that caused
 * it commits. The relay publishes it; after commit it is woken at once instead of waiting for its next poll.
 */
public class Outbox {
    private final JdbcClient jdbc;
    private final OutboxSignal signal;
    private final CurrentTrace trace;

    public Outbox(JdbcClient jdbc, OutboxSignal signal) {
        this(jdbc, signal, CurrentTrace.NONE);
    }

    /** Each row keeps the trace it is written in, which the relay sends on as the message's traceparent. */
    public Outbox(JdbcClient jdbc, OutboxSignal signal, CurrentTrace trace) {
        this.jdbc = jdbc;
        this.signal = signal;
        this.trace = trace;
    }

    public void append(String topic, Object key, Object message) {
        append(topic, null, key, message);
    }

    /** Appends a message for an explicit partition (null lets the producer pick one by key). */
    public void append(String topic, @Nullable Integer partition, Object key, Object message) {
        jdbc.sql("insert into outbox (topic, partition, message_key, payload, trace_parent) values (?, ?, ?, ?, ?)")
                .params(SqlArgs.of(topic, partition, key.toString(), MessageCodec.encode(message), trace.traceparent()))
                .update();
        wakeRelayAfterCommit();
    }

    /**
     * A message for {@link #appendAll}: its topic, key (the producer picks the partition by it) and body, and the
     * trace it belongs to when that is not the current one (the job's, for messages about several jobs).
     */
    public record Message(
            String topic,
            Object key,
            Object message,
            @Nullable String traceParent) {
        public Message(String topic, Object key, Object message) {
            this(topic, key, message, null);
        }
    }

    /** Appends every message in one statement, in their order. */
    public void appendAll(List<Message> messages) {
        if (messages.isEmpty()) {
            return;
        }
        int n = messages.size();
        String current = trace.traceparent();
        var topics = new String[n];
        var keys = new String[n];
        var payloads = new byte[n][];
        @Nullable String[] traces = new @Nullable String[n];
        for (int i = 0; i < n; i++) {
            var m = messages.get(i);
            topics[i] = m.topic();
            keys[i] = m.key().toString();
            payloads[i] = MessageCodec.encode(m.message());
            traces[i] = m.traceParent() != null ? m.traceParent() : current;
        }
        // with ordinality: the ids (the relay's order) follow the list's
        jdbc.sql("""
                insert into outbox (topic, message_key, payload, trace_parent)
                select t.topic, t.message_key, t.payload, t.trace_parent
                from unnest(?::text[], ?::text[], ?::bytea[], ?::text[])
                  with ordinality as t(topic, message_key, payload, trace_parent, n)
                order by t.n""").params(SqlArgs.of(topics, keys, payloads, traces)).update();
        wakeRelayAfterCommit();
    }

    private void wakeRelayAfterCommit() {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            signal.wake();
            return;
        }
        if (!TransactionSynchronizationManager.hasResource(signal)) {
            TransactionSynchronizationManager.bindResource(signal, true);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    TransactionSynchronizationManager.unbindResourceIfPossible(signal);
                    if (status == STATUS_COMMITTED) {
                        signal.wake();
                    }
                }
            });
        }
    }
}
