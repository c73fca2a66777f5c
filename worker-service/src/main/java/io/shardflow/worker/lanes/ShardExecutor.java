package io.shardflow.worker.lanes;

import io.shardflow.core.messaging.ShardCompleted;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.messaging.Topics;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.datasets.DatasetRow;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.models.ModelRow;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.worker.WorkerSettings;
import io.shardflow.worker.compute.DenseModel;
import io.shardflow.worker.compute.ModelCache;
import io.shardflow.worker.compute.ModelEvictedException;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs one shard task on the calling lane: claims the attempt, computes the shard a window of rows at a time,
 * then stores the partial, marks the shard DONE and queues the completion notice in one transaction. Whatever
 * happens, the attempt ends with a notice: success, or a failure that says whether a retry can help.
 */
public class ShardExecutor {
    private static final Logger log = LoggerFactory.getLogger(ShardExecutor.class);

    private final WorkerIdentity identity;
    private final WorkerSettings settings;
    private final JobRepository jobs;
    private final ShardRepository shards;
    private final ModelRepository models;
    private final DatasetRepository datasets;
    private final PartialStore partials;
    private final Outbox outbox;
    private final ModelCache modelCache;
    private final TransactionTemplate tx;
    private final Set<ShardTask> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicLong done = new AtomicLong();

    public ShardExecutor(WorkerIdentity identity, WorkerSettings settings, JobRepository jobs, ShardRepository shards,
                         ModelRepository models, DatasetRepository datasets, PartialStore partials, Outbox outbox,
                         ModelCache modelCache, TransactionTemplate tx) {
        this.identity = identity;
        this.settings = settings;
        this.jobs = jobs;
        this.shards = shards;
        this.models = models;
        this.datasets = datasets;
        this.partials = partials;
        this.outbox = outbox;
        this.modelCache = modelCache;
        this.tx = tx;
    }

    public void execute(ShardTask task) {
        var key = ShardKey.of(task);
        var status = jobs.status(task.jobId());
        if (status.isEmpty() || status.get().isTerminal()) {
            log.debug("dropping {}: job is {}", task.shardKey(), status.map(Enum::name).orElse("gone"));
            return;
        }
        if (!shards.start(key, task.attempt(), identity.id(), Instant.now().plus(settings.lease()))) {
            log.debug("dropping {} attempt {}: stale or already done", task.shardKey(), task.attempt());
            return;
        }
        inFlight.add(task);
        long started = System.nanoTime();
        try {
            Tensor output = compute(task);
            long millis = (System.nanoTime() - started) / 1_000_000;
            tx.executeWithoutResult(s -> {
                partials.put(key, task.attempt(), TensorCodec.encode(output));
                if (!shards.complete(key, task.attempt())) {
                    // the lease ran out and another attempt owns the shard: leave no trace of this one
                    s.setRollbackOnly();
                    return;
                }
                outbox.append(Topics.SHARD_RESULTS, task.jobId(), ShardCompleted.success(task, identity.id(), millis));
            });
            done.incrementAndGet();
        } catch (ShardInputException e) {
            report(task, e.getMessage(), false);
        } catch (Throwable e) {
            // the attempt always ends with a notice, so the scheduler need not wait for its lease to run out
            log.warn("shard {} attempt {} failed", task.shardKey(), task.attempt(), e);
            report(task, e.getClass().getSimpleName() + ": " + e.getMessage(), true);
            if (e instanceof Error error) {
                throw error;
            }
        } finally {
            // from here on the heartbeat no longer extends this attempt's lease
            inFlight.remove(task);
        }
    }

    private void report(ShardTask task, String error, boolean retryable) {
        outbox.append(Topics.SHARD_RESULTS, task.jobId(), ShardCompleted.failure(task, identity.id(), error, retryable));
    }

    private Tensor compute(ShardTask task) {
        ModelRow model = models.find(task.modelId())
            .orElseThrow(() -> new ShardInputException("model " + task.modelId() + " does not exist"));
        DatasetRow dataset = datasets.find(task.datasetId())
            .orElseThrow(() -> new ShardInputException("dataset " + task.datasetId() + " does not exist"));
        int[] columns = columnIndexes(dataset, task);
        if (columns.length != model.architecture().inputs()) {
            throw new ShardInputException("model takes " + model.architecture().inputs() + " inputs but "
                + columns.length + " feature columns were given");
        }
        if (task.rowEnd() > dataset.rows()) {
            throw new ShardInputException("rows [" + task.rowStart() + ", " + task.rowEnd() + ") lie outside the dataset's "
                + dataset.rows() + " rows");
        }
        int rows = Math.toIntExact(task.rowEnd() - task.rowStart());
        int outputs = model.architecture().outputs();
        var out = new float[Math.multiplyExact(rows, outputs)];
        for (long from = task.rowStart(); from < task.rowEnd(); from += settings.batchRows()) {
            long to = Math.min(task.rowEnd(), from + settings.batchRows());
            int n = (int) (to - from);
            float[] input = datasets.readRows(dataset, columns, from, to);
            float[] y = forward(model, input, n);
            System.arraycopy(y, 0, out, (int) (from - task.rowStart()) * outputs, y.length);
        }
        return Tensor.matrix(rows, outputs, out);
    }

    private float[] forward(ModelRow model, float[] input, int rows) {
        for (int tries = 0; ; tries++) {
            DenseModel loaded = modelCache.get(model);
            try {
                return loaded.forward(input, rows);
            } catch (ModelEvictedException e) {
                if (tries >= 2) {
                    throw e;
                }
            }
        }
    }

    private static int[] columnIndexes(DatasetRow dataset, ShardTask task) {
        var indexes = new int[task.features().size()];
        for (int i = 0; i < indexes.length; i++) {
            String feature = task.features().get(i);
            indexes[i] = dataset.columnIndex(feature);
            if (indexes[i] < 0) {
                throw new ShardInputException("dataset '" + dataset.name() + "' has no column '" + feature
                    + "' (columns: " + String.join(", ", dataset.columns()) + ")");
            }
        }
        return indexes;
    }

    public int busyLanes() {
        return inFlight.size();
    }

    /** The attempts the lanes are computing now: the only ones whose leases the heartbeat extends. */
    public Set<ShardTask> inFlight() {
        return Set.copyOf(inFlight);
    }

    public long tasksDone() {
        return done.get();
    }
}
