package io.shardflow.api.jobs;

import io.shardflow.api.ApiSettings;
import io.shardflow.api.limits.Limits;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.generation.Prompts;
import io.shardflow.core.jobs.JobInputCheck;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.models.Task;
import io.shardflow.core.planning.ParallelPlanner;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.planning.TrainingPlanner;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.datasets.DatasetRow;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.models.ModelRow;
import io.shardflow.db.workers.WorkerRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Component;

/**
 * Checks a job against its tenant's models and datasets and the live workers, and plans an inference job: what a
 * submission must pass before anything is stored. What it reads it reads through a {@link Reads}, one per request,
 * so that a batch of jobs naming one model and one dataset reads each once.
 */
@Component
public class JobValidation {
    private final ModelRepository models;
    private final DatasetRepository datasets;
    private final LabelCheck labels;
    private final WorkerRegistry workers;
    private final ApiSettings settings;
    private final Limits limits;

    public JobValidation(
            ModelRepository models,
            DatasetRepository datasets,
            LabelCheck labels,
            WorkerRegistry workers,
            ApiSettings settings,
            Limits limits) {
        this.models = models;
        this.datasets = datasets;
        this.labels = labels;
        this.workers = workers;
        this.settings = settings;
        this.limits = limits;
    }

    /** What validation found: the model's architecture, the dataset, and for inference the plan it would get. */
    public record Checked(
            ModelArchitecture architecture,
            @Nullable DatasetRow dataset,
            @Nullable Plan plan) {
        /** The dataset of a training job, which always reads one. */
        DatasetRow trainingData() {
            if (dataset == null) {
                throw new IllegalStateException("a training job passed validation without a dataset");
            }
            return dataset;
        }

        /** The plan of an inference job, which validation makes. */
        Plan inferencePlan() {
            if (plan == null) {
                throw new IllegalStateException("only an inference job is planned at validation");
            }
            return plan;
        }

        /**
         * About the bytes the job's result will store: a trained model's parameters; for inference, the outputs'
         * float32 values, or for a gpt each prompt's completion at its longest.
         */
        long resultBytes(JobSpec spec) {
            if (spec.type() == JobType.TRAINING) {
                return architecture.parameterBytes();
            }
            long rows = inferencePlan().rows();
            return switch (architecture) {
                case GptArchitecture gpt ->
                    rows * (spec.generation() == null ? 0 : spec.generation().maxTokens());
                case DenseArchitecture dense -> rows * dense.outputs() * Float.BYTES;
            };
        }
    }

    /** The reads of one request: each model, dataset, text and the fleet read at most once. */
    public Reads reads() {
        return new Reads();
    }

    /** What validation reads, remembered for the request it serves (never across requests: things change). */
    public final class Reads {
        private final Map<UUID, Optional<ModelRow>> models = new HashMap<>();
        private final Map<UUID, Optional<DatasetRow>> datasets = new HashMap<>();
        private final Map<UUID, Supplier<byte[]>> texts = new HashMap<>();
        private ParallelPlanner.@Nullable Fleet fleet;

        private Reads() {}

        Optional<ModelRow> model(UUID id) {
            return models.computeIfAbsent(id, JobValidation.this.models::find);
        }

        Optional<DatasetRow> dataset(UUID id) {
            return datasets.computeIfAbsent(id, JobValidation.this.datasets::find);
        }

        Supplier<byte[]> text(@Nullable DatasetRow dataset) {
            if (dataset == null) {
                return JobValidation.this.datasets.text(null);
            }
            return texts.computeIfAbsent(dataset.id(), id -> new Once(JobValidation.this.datasets.text(dataset)));
        }

        ParallelPlanner.Fleet fleet() {
            if (fleet == null) {
                fleet = workers.fleet(WorkerRegistry.LIVE, 1);
            }
            return fleet;
        }
    }

    /** A text read when first asked for (only a prompt dataset's is), then kept. */
    private static final class Once implements Supplier<byte[]> {
        private final Supplier<byte[]> read;
        private byte @Nullable [] bytes;

        Once(Supplier<byte[]> read) {
            this.read = read;
        }

        @Override
        public byte[] get() {
            var kept = bytes;
            if (kept == null) {
                kept = read.get();
                bytes = kept;
            }
            return kept;
        }
    }

    public Checked validate(String tenant, JobSpec spec, Reads reads) {
        var newArchitecture = spec.model().architecture();
        if (newArchitecture != null) {
            // a new model is initialised whole on the scheduler: its size is judged before anything else
            limits.checkModel(newArchitecture, "model.architecture");
        }
        var ref = spec.dataset();
        var dataset = ref == null
                ? null
                : reads.dataset(ref.id())
                        .filter(d -> d.tenant().equals(tenant))
                        .orElseThrow(() ->
                                new InvalidSpecException("dataset.id", "dataset " + ref.id() + " does not exist"));
        // a model reference names a registered model or brings a new architecture, never both
        ModelArchitecture architecture = spec.model().architecture();
        String name;
        if (architecture == null) {
            var id = spec.requireModelId();
            var model = reads.model(id)
                    .filter(m -> m.tenant().equals(tenant))
                    .orElseThrow(() -> new InvalidSpecException("model.id", "model " + id + " does not exist"));
            architecture = model.architecture();
            name = "'" + model.name() + "'";
        } else {
            name = "(new)";
        }
        JobInputCheck.check(spec, architecture, name, dataset);
        if (spec.type() == JobType.TRAINING
                && architecture instanceof DenseArchitecture dense
                && dense.task() == Task.CLASSIFICATION) {
            // the input check requires both of a dense training job
            String label = ref == null ? null : ref.label();
            if (dataset == null || label == null) {
                throw new IllegalStateException("a training job passed its input check without a dataset and label");
            }
            labels.checkClasses(dataset, label, dense.outputs());
        }
        if (spec.generation() != null) {
            InvalidSpecException.require(
                    spec.generation().maxTokens() <= settings.maxGenerationTokens(),
                    "generation.maxTokens",
                    "must be at most " + settings.maxGenerationTokens() + " (shardflow.api."
                            + "max-generation-tokens), was " + spec.generation().maxTokens());
        }
        // planning now refuses a split the model cannot take (too many shards, say) with a 400
        Plan plan = null;
        if (spec.type() == JobType.TRAINING && dataset != null) {
            // a split the model cannot take, or none that fits the workers, is a 400 now
            TrainingPlanner.plan(
                    spec.parallelism(), architecture, spec.requireTraining(), dataset.rows(), reads.fleet());
        }
        if (spec.type() == JobType.INFERENCE) {
            long rows = Prompts.inferenceRows(spec, architecture, name, dataset, reads.text(dataset));
            if (architecture instanceof GptArchitecture) {
                limits.checkPrompts(rows, spec.input() != null ? "input.prompts" : "dataset.id");
            }
            plan = ParallelPlanner.plan(spec.parallelism(), architecture, rows, reads.fleet());
        }
        return new Checked(architecture, dataset, plan);
    }
}
