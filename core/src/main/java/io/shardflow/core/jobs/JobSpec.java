package io.shardflow.core.jobs;

import static io.shardflow.core.InvalidSpecException.require;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.generation.GenerationSpec;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.planning.Strategy;
import io.shardflow.core.training.TrainingSpec;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * What a client may ask for when it submits a job: the body of {@code POST /api/v1/jobs} and of a job-request
 * event. Server-owned fields (status, tenant, progress) are not here. Checks that need no database run in the
 * constructors; each failure names its field relative to the record that holds it (the JSON reader adds the path).
 */
public record JobSpec(
        JobType type,
        ModelRef model,
        @Nullable DatasetRef dataset,
        @Nullable JobInput input,
        @Nullable GenerationSpec generation,
        Parallelism parallelism,
        @Nullable TrainingSpec training,
        Integer priority,
        Integer maxAttempts) {
    public static final int MAX_SHARDS = 1024;
    public static final int MAX_ATTEMPTS = 10;
    /** The attempts a shard gets when the request leaves {@code maxAttempts} out. */
    public static final int DEFAULT_MAX_ATTEMPTS = 3;

    public JobSpec {
        require(type != null, "type", "is required (INFERENCE or TRAINING)");
        require(model != null, "model", "is required");
        parallelism = parallelism == null ? new Parallelism(Strategy.AUTO, null) : parallelism;
        if (type == JobType.INFERENCE) {
            require(model.id() != null, "model.id", "is required: inference runs a registered model");
            require(training == null, "training", "only a TRAINING job takes training settings");
            require(dataset != null || input != null, "dataset", "is required (or inline input)");
            require(dataset == null || input == null, "input", "give a dataset or inline input, not both");
        } else {
            require(training != null, "training", "is required for a TRAINING job");
            require(dataset != null, "dataset", "is required");
            require(input == null, "input", "training reads a dataset, not inline input");
            require(generation == null, "generation", "only an INFERENCE job on a gpt model generates");
            var strategy = parallelism.strategy();
            require(
                    strategy == Strategy.DATA || strategy == Strategy.AUTO || training.syncEvery() == 1,
                    "training.syncEvery",
                    strategy + " training synchronises every step; local SGD (syncEvery > 1) needs DATA");
        }
        priority = priority == null ? 0 : priority;
        require(priority >= -100 && priority <= 100, "priority", "must be in -100..100, was " + priority);
        maxAttempts = maxAttempts == null ? DEFAULT_MAX_ATTEMPTS : maxAttempts;
        require(
                maxAttempts >= 1 && maxAttempts <= MAX_ATTEMPTS,
                "maxAttempts",
                "must be in 1.." + MAX_ATTEMPTS + ", was " + maxAttempts);
    }

    /** The registered model the job runs or fine-tunes; an inference job always names one. */
    public UUID requireModelId() {
        var id = model.id();
        if (id == null) {
            throw new IllegalStateException("the job names no registered model");
        }
        return id;
    }

    /** The dataset the job reads; a training job always names one. */
    public DatasetRef requireDataset() {
        if (dataset == null) {
            throw new IllegalStateException("the job names no dataset");
        }
        return dataset;
    }

    /** The training settings of a TRAINING job, which always has them. */
    public TrainingSpec requireTraining() {
        if (training == null) {
            throw new IllegalStateException("the job is not a training job");
        }
        return training;
    }

    /** The generation settings of a job that runs a gpt, which always has them. */
    public GenerationSpec requireGeneration() {
        if (generation == null) {
            throw new IllegalStateException("the job generates nothing");
        }
        return generation;
    }

    /**
     * A registered model ({@code id}), or for training a new one ({@code architecture}, initialised from the
     * training seed); training from an {@code id} fine-tunes that model. {@code name} names the trained model.
     */
    public record ModelRef(
            @Nullable UUID id,
            @Nullable ModelArchitecture architecture,
            @Nullable String name) {
        public ModelRef {
            require(
                    id != null || architecture != null,
                    "id",
                    "is required (or, to train a new model, an architecture)");
            require(id == null || architecture == null, "architecture", "give a model id or an architecture, not both");
            require(name == null || (!name.isBlank() && name.length() <= 200), "name", "must be 1 to 200 characters");
        }

        public ModelRef(UUID id) {
            this(id, null, null);
        }
    }

    /**
     * The dataset; for linear and mlp models the columns that feed the model's inputs in order and, for training,
     * the label column. A gpt reads a text dataset and takes neither.
     */
    public record DatasetRef(
            UUID id, List<String> features, @Nullable String label) {
        public DatasetRef {
            require(id != null, "id", "is required");
            features = features == null ? List.of() : features;
            var seen = new HashSet<String>();
            for (int i = 0; i < features.size(); i++) {
                String f = features.get(i);
                require(f != null && !f.isBlank(), "features[" + i + "]", "may not be blank");
                require(seen.add(f), "features[" + i + "]", "repeats column '" + f + "'");
            }
            features = List.copyOf(features);
            require(label == null || !label.isBlank(), "label", "may not be blank");
            require(label == null || !seen.contains(label), "label", "column '" + label + "' is also a feature");
        }

        public DatasetRef(UUID id, List<String> features) {
            this(id, features, null);
        }
    }

    /**
     * How to split the job. {@code strategy} AUTO (also when parallelism is left out) lets the scheduler choose;
     * {@code dataShards} left out means one data shard per worker lane. {@code modelShards} splits the model
     * (TENSOR, PIPELINE, and HYBRID with {@code modelStrategy} TENSOR by default); {@code microBatches} keeps
     * pipeline stages busy.
     */
    public record Parallelism(
            Strategy strategy,
            @Nullable Integer dataShards,
            @Nullable Integer modelShards,
            @Nullable Strategy modelStrategy,
            @Nullable Integer microBatches) {
        public Parallelism {
            strategy = strategy == null ? Strategy.AUTO : strategy;
            require(
                    dataShards == null || (dataShards >= 1 && dataShards <= MAX_SHARDS),
                    "dataShards",
                    "must be in 1.." + MAX_SHARDS + ", was " + dataShards);
            require(
                    modelShards == null || (modelShards >= 1 && modelShards <= MAX_SHARDS),
                    "modelShards",
                    "must be in 1.." + MAX_SHARDS + ", was " + modelShards);
            require(
                    microBatches == null || (microBatches >= 1 && microBatches <= MAX_SHARDS),
                    "microBatches",
                    "must be in 1.." + MAX_SHARDS + ", was " + microBatches);
            require(
                    modelStrategy == null || modelStrategy == Strategy.TENSOR || modelStrategy == Strategy.PIPELINE,
                    "modelStrategy",
                    "must be TENSOR or PIPELINE, was " + modelStrategy);
            require(
                    modelStrategy == null || strategy == Strategy.HYBRID,
                    "modelStrategy",
                    "only a HYBRID split takes it");
            boolean splitsModel =
                    strategy == Strategy.TENSOR || strategy == Strategy.PIPELINE || strategy == Strategy.HYBRID;
            require(
                    splitsModel || modelShards == null || modelShards == 1,
                    "modelShards",
                    strategy + " does not split the model; use TENSOR, PIPELINE or HYBRID");
            require(splitsModel ? modelShards != null : true, "modelShards", "is required for " + strategy);
            require(
                    strategy == Strategy.HYBRID
                            || strategy == Strategy.DATA
                            || strategy == Strategy.AUTO
                            || dataShards == null
                            || dataShards == 1,
                    "dataShards",
                    strategy + " splits the model only; use HYBRID for both");
        }

        /** The model shards of a split that splits the model, which the constructor made sure are given. */
        public int splitModelShards() {
            if (modelShards == null) {
                throw new InvalidSpecException("parallelism.modelShards", "is required for " + strategy);
            }
            return modelShards;
        }

        public Parallelism(Strategy strategy, @Nullable Integer dataShards) {
            this(strategy, dataShards, null, null, null);
        }
    }
}
