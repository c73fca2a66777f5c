package io.shardflow.worker.generation;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.shardflow.core.generation.Prompts;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.worker.lanes.DeferredComputation;
import io.shardflow.worker.lanes.ShardInputException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A GENERATE task: its prompts go into the worker's {@link GenerationEngine}, where they are batched with every
 * other sequence on the model; the task's partial is its completions in prompt order.
 */
public class GenerationComputation implements DeferredComputation {
    private final JobRepository jobs;
    private final ModelRepository models;
    private final DatasetRepository datasets;
    private final GenerationEngine engine;
    private final Cache<UUID, List<String>> prompts =
            Caffeine.newBuilder().maximumSize(256).build();

    public GenerationComputation(
            JobRepository jobs, ModelRepository models, DatasetRepository datasets, GenerationEngine engine) {
        this.jobs = jobs;
        this.models = models;
        this.datasets = datasets;
        this.engine = engine;
    }

    @Override
    public CompletableFuture<byte[]> start(ShardTask task) throws InterruptedException {
        var job =
                jobs.find(task.jobId()).orElseThrow(() -> new ShardInputException("job " + task.jobId() + " is gone"));
        var modelId = task.requireModelId();
        var model =
                models.find(modelId).orElseThrow(() -> new ShardInputException("model " + modelId + " does not exist"));
        var spec = job.spec();
        var all = prompts.get(job.id(), id -> {
            var ref = spec.dataset();
            var dataset = ref == null
                    ? null
                    : datasets.find(ref.id())
                            .orElseThrow(() -> new ShardInputException("dataset " + ref.id() + " does not exist"));
            return Prompts.of(spec, dataset, datasets.text(dataset));
        });
        var mine = all.subList((int) task.rowStart(), (int) task.rowEnd());
        return engine.submit(job.id(), model, spec.requireGeneration(), mine, task.rowStart())
                .thenApply(r -> r.encode());
    }
}
