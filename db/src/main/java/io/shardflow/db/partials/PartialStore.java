package io.shardflow.db.partials;

import io.shardflow.db.shards.ShardKey;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Partial results as binary tensors, one per shard key: a retried shard replaces its row, never adds one. */
public class PartialStore {
    private final JdbcClient jdbc;

    public PartialStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public void put(ShardKey key, int attempt, byte[] tensor) {
        jdbc.sql("""
                insert into partials (job_id, step, stage, shard_index, attempt, data) values (?, ?, ?, ?, ?, ?)
                on conflict (job_id, step, stage, shard_index)
                do update set attempt = excluded.attempt, data = excluded.data, created_at = now()""")
            .params(key.jobId(), key.step(), key.stage(), key.shardIndex(), attempt, tensor).update();
    }

    /** The round's partials in shard order. */
    public List<byte[]> readRound(UUID jobId, int step, int stage) {
        return jdbc.sql("select data from partials where job_id = ? and step = ? and stage = ? order by shard_index")
            .params(jobId, step, stage).query((rs, n) -> rs.getBytes(1)).list();
    }

    /** Partials {@code [fromIndex, toIndex)} of a round, in shard order. */
    public List<byte[]> readGroup(UUID jobId, int step, int stage, int fromIndex, int toIndex) {
        return jdbc.sql("select data from partials where job_id = ? and step = ? and stage = ? and shard_index >= ? "
                + "and shard_index < ? order by shard_index")
            .params(jobId, step, stage, fromIndex, toIndex).query((rs, n) -> rs.getBytes(1)).list();
    }

    public void deleteGroup(UUID jobId, int step, int stage, int fromIndex, int toIndex) {
        jdbc.sql("delete from partials where job_id = ? and step = ? and stage = ? and shard_index >= ? and shard_index < ?")
            .params(jobId, step, stage, fromIndex, toIndex).update();
    }

    public void deleteRound(UUID jobId, int step, int stage) {
        jdbc.sql("delete from partials where job_id = ? and step = ? and stage = ?").params(jobId, step, stage).update();
    }
}
