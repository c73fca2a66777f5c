package io.shardflow.db.outbox;

import io.shardflow.core.messaging.MessageCodec;
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

    public Outbox(JdbcClient jdbc, OutboxSignal signal) {
        this.jdbc = jdbc;
        this.signal = signal;
    }

    public void append(String topic, Object key, Object message) {
        append(topic, null, key, message);
    }

    /** Appends a message for an explicit partition (null lets the producer pick one by key). */
    public void append(String topic, @Nullable Integer partition, Object key, Object message) {
        jdbc.sql("insert into outbox (topic, partition, message_key, payload) values (?, ?, ?, ?)")
                .params(SqlArgs.of(topic, partition, key.toString(), MessageCodec.encode(message)))
                .update();
        wakeRelayAfterCommit();
    }

    /** A message for {@link #appendAll}: its topic, key (the producer picks the partition by it) and body. */
    public record Message(String topic, Object key, Object message) {}

    /** Appends every message in one statement, in their order. */
    public void appendAll(List<Message> messages) {
        if (messages.isEmpty()) {
            return;
        }
        int n = messages.size();
        var topics = new String[n];
        var keys = new String[n];
        var payloads = new byte[n][];
        for (int i = 0; i < n; i++) {
            var m = messages.get(i);
            topics[i] = m.topic();
            keys[i] = m.key().toString();
            payloads[i] = MessageCodec.encode(m.message());
        }
        // with ordinality: the ids (the relay's order) follow the list's
        jdbc.sql("""
                insert into outbox (topic, message_key, payload)
                select t.topic, t.message_key, t.payload
                from unnest(?::text[], ?::text[], ?::bytea[]) with ordinality as t(topic, message_key, payload, n)
                order by t.n""").params(topics, keys, payloads).update();
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
