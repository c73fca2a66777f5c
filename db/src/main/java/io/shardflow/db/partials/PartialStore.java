package io.shardflow.db.partials;

import io.shardflow.db.jdbc.BinaryReads;
import io.shardflow.db.shards.ShardKey;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Partial results as binary tensors, one per shard key: a retried shard replaces its row, never adds one, and a
 * stale attempt never replaces a later attempt's row.
 */
public class PartialStore {
    private final JdbcClient jdbc;
    private final JdbcTemplate template;

    public PartialStore(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    /**
     * Stores an attempt's partial, replacing an earlier attempt's but never a later one's: a worker cut off past its
     * lease that writes late changes nothing here, even before its transaction finds the shard taken (the attempt
     * fence in {@code ShardRepository.complete} rolls the whole write back). Returns false when a later attempt's
     * partial is already stored.
     */
    public boolean put(ShardKey key, int attempt, byte[] tensor) {
        return jdbc.sql("""
                        insert into partials (job_id, step, stage, shard_index, attempt, data) values (?, ?, ?, ?, ?, ?)
                        on conflict (job_id, step, stage, shard_index)
                        do update set attempt = excluded.attempt, data = excluded.data, created_at = now()
                        where partials.attempt <= excluded.attempt""")
                        .params(key.jobId(), key.step(), key.stage(), key.shardIndex(), attempt, tensor)
                        .update()
                == 1;
    }

    /**
     * The round's partials in row order: by their shards' first rows, then shard order (a shard that yielded its lane
     * part-way keeps the rows it did, and the rest became a shard with a later index).
     */
    public List<byte[]> readRound(UUID jobId, int step, int stage) {
        return BinaryReads.list(
                template,
                "select p.data from partials p left join shards s using (job_id, step, stage, shard_index) "
                        + "where p.job_id = ? and p.step = ? and p.stage = ? order by s.row_start, p.shard_index",
                (rs, n) -> rs.getBytes(1),
                jobId,
                step,
                stage);
    }

    /** Partials {@code [fromIndex, toIndex)} of a round, in shard order. */
    public List<byte[]> readGroup(UUID jobId, int step, int stage, int fromIndex, int toIndex) {
        return BinaryReads.list(
                template,
                "select data from partials where job_id = ? and step = ? and stage = ? "
                        + "and shard_index >= ? and shard_index < ? order by shard_index",
                (rs, n) -> rs.getBytes(1),
                jobId,
                step,
                stage,
                fromIndex,
                toIndex);
    }

    public void deleteGroup(UUID jobId, int step, int stage, int fromIndex, int toIndex) {
        jdbc.sql(
                        "delete from partials where job_id = ? and step = ? and stage = ? and shard_index >= ? and shard_index < ?")
                .params(jobId, step, stage, fromIndex, toIndex)
                .update();
    }

    public void deleteRound(UUID jobId, int step, int stage) {
        jdbc.sql("delete from partials where job_id = ? and step = ? and stage = ?")
                .params(jobId, step, stage)
                .update();
    }

    /** Every partial of one step, whatever its stage. */
    public void deleteStep(UUID jobId, int step) {
        jdbc.sql("delete from partials where job_id = ? and step = ?")
                .params(jobId, step)
                .update();
    }
}
