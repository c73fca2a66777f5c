package io.shardflow.core.planning;

import com.fasterxml.jackson.annotation.JsonValue;
import io.shardflow.core.messaging.TaskKind;
import io.shardflow.core.training.SplitSteps;
import io.shardflow.core.training.SplitTask;
import io.shardflow.core.training.TrainingPlan;
import io.shardflow.core.training.TrainingProgram;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How a job was split: one record per kind of job, so that code acting on a plan switches over the kinds and the
 * compiler names every place a new kind must be handled. Stored and shown as one flat JSON document
 * ({@link PlanDocument}).
 *
 * <p>A shard is keyed {@code (step, stage, shardIndex)}; what those mean is the kind's business, and each kind says
 * what a task of a key computes ({@link #taskKind}), where it sits in a model split ({@link #layout}) and which
 * parameter version it reads.
 */
public sealed interface Plan
        permits Plan.DataInference,
                Plan.ModelParallelInference,
                Plan.Generation,
                Plan.PipelinedGeneration,
                Plan.Training {

    /** Rows the job runs over: dataset rows, prompts, or the bytes of a text dataset. */
    long rows();

    /** The data shards' row ranges, in row order. */
    List<RowRange> shards();

    Strategy strategy();

    /** What a task of shard {@code (step, stage, ·)} computes. */
    TaskKind taskKind(int step, int stage);

    /** Whether the result is text (one completion per prompt) rather than numbers. */
    boolean completesText();

    default int dataShards() {
        return shards().size();
    }

    /** Where the shard sits in a model split, and where its input comes from. */
    default ShardLayout layout(int step, int stage, int shardIndex) {
        return ShardLayout.data(shardIndex);
    }

    /** The parameter version a training task computes from; 0 for inference. */
    default int parameterVersion(int step, int stage) {
        return 0;
    }

    /** Optimiser steps a training task takes locally (local SGD); 0 for inference. */
    default int localSteps(int step, int stage) {
        return 0;
    }

    /**
     * The bytes a worker must be able to hold ({@code max-model-bytes}) to run one of the job's tasks: its largest
     * model partition, or for training its largest task's parameters, gradients, optimiser state and activations.
     */
    default long partitionBytes() {
        return 0;
    }

    @JsonValue
    default PlanDocument document() {
        return PlanDocument.of(this);
    }

    /**
     * How the model is split: TENSOR or PIPELINE with {@code modelShards}; {@code microBatches} per data shard; the
     * bytes one worker holds for a task (inference: the largest partition; training: its footprint) and the model's
     * parameter bytes; the reason for the choice when AUTO made it. DATA with one shard means the model is whole.
     */
    record ModelPlan(
            Strategy strategy,
            int modelShards,
            int microBatches,
            long largestPartitionBytes,
            long modelBytes,
            @Nullable String reason) {

        public static ModelPlan whole(long modelBytes, @Nullable String reason) {
            return new ModelPlan(Strategy.DATA, 1, 1, modelBytes, modelBytes, reason);
        }
    }

    /** A dense model over row ranges; outputs concatenated in row order. */
    record DataInference(long rows, List<RowRange> shards, ModelPlan model) implements Plan {
        public DataInference {
            shards = List.copyOf(shards);
        }

        @Override
        public Strategy strategy() {
            return Strategy.DATA;
        }

        @Override
        public boolean completesText() {
            return false;
        }

        @Override
        public TaskKind taskKind(int step, int stage) {
            return TaskKind.INFER;
        }

        @Override
        public long partitionBytes() {
            return model.largestPartitionBytes();
        }
    }

    /**
     * A dense model split into model shards (TENSOR rounds or PIPELINE stages), over one or more data shards (more
     * than one: HYBRID). Keys: TENSOR {@code (round, 0, dataShard × k + modelShard)}; PIPELINE
     * {@code (microBatch, stage, dataShard)}.
     */
    record ModelParallelInference(long rows, List<RowRange> shards, ModelPlan model) implements Plan {
        public ModelParallelInference {
            shards = List.copyOf(shards);
            if (model.strategy() != Strategy.TENSOR && model.strategy() != Strategy.PIPELINE) {
                throw new IllegalArgumentException("a model is split by TENSOR or PIPELINE, not " + model.strategy());
            }
        }

        public boolean tensor() {
            return model.strategy() == Strategy.TENSOR;
        }

        @Override
        public Strategy strategy() {
            return shards.size() > 1 ? Strategy.HYBRID : model.strategy();
        }

        @Override
        public boolean completesText() {
            return false;
        }

        @Override
        public TaskKind taskKind(int step, int stage) {
            return TaskKind.INFER;
        }

        @Override
        public ShardLayout layout(int step, int stage, int shardIndex) {
            int k = model.modelShards();
            if (tensor()) {
                return new ShardLayout(step, shardIndex % k, shardIndex / k, step == 0 ? -1 : step - 1, 0);
            }
            return new ShardLayout(stage, 0, shardIndex, stage == 0 ? -1 : step, stage - 1);
        }

        @Override
        public long partitionBytes() {
            return model.largestPartitionBytes();
        }
    }

    /** A gpt completing prompts over data shards of them; each worker batches them with other sequences. */
    record Generation(long rows, List<RowRange> shards, ModelPlan model) implements Plan {
        public Generation {
            shards = List.copyOf(shards);
        }

        @Override
        public Strategy strategy() {
            return Strategy.DATA;
        }

        @Override
        public boolean completesText() {
            return true;
        }

        @Override
        public TaskKind taskKind(int step, int stage) {
            return TaskKind.GENERATE;
        }

        @Override
        public long partitionBytes() {
            return model.largestPartitionBytes();
        }
    }

    /**
     * A gpt that no worker holds whole, generating through {@code model.modelShards()} pipeline stages: key
     * {@code (tokenStep, stage, 0)}.
     */
    record PipelinedGeneration(long rows, ModelPlan model) implements Plan {
        @Override
        public List<RowRange> shards() {
            return List.of(new RowRange(0, rows));
        }

        public int stages() {
            return model.modelShards();
        }

        @Override
        public Strategy strategy() {
            return Strategy.PIPELINE;
        }

        @Override
        public boolean completesText() {
            return true;
        }

        @Override
        public TaskKind taskKind(int step, int stage) {
            return TaskKind.GENERATE_STAGE;
        }

        @Override
        public long partitionBytes() {
            return model.largestPartitionBytes();
        }
    }

    /** A training job: the plan has the numbers every worker computes with. */
    sealed interface Training extends Plan permits DataParallelTraining, ModelParallelTraining {
        TrainingPlan training();

        @Override
        default int parameterVersion(int step, int stage) {
            return training().versionRead(step, stage);
        }

        @Override
        default int localSteps(int step, int stage) {
            return training().roundEnd(step) - step;
        }
    }

    /**
     * Data-parallel training (synchronous or local SGD) over row ranges: round {@code (step, COMPUTE_STAGE)}
     * computes from parameter version {@code step}; {@code (step, evaluateStage)} evaluates what that round produced.
     * {@code model} is the whole model, with what a lane holds for a task ({@code TrainingFootprint}).
     */
    record DataParallelTraining(long rows, List<RowRange> shards, TrainingPlan training, ModelPlan model)
            implements Training {
        public DataParallelTraining {
            shards = List.copyOf(shards);
            if (model.strategy() != Strategy.DATA) {
                throw new IllegalArgumentException("data-parallel training keeps the model whole, not " + model);
            }
        }

        /** What a lane holds for one of its tasks (0 in a plan stored before it was counted: any lane). */
        @Override
        public long partitionBytes() {
            return model.largestPartitionBytes();
        }

        @Override
        public Strategy strategy() {
            return Strategy.DATA;
        }

        @Override
        public boolean completesText() {
            return false;
        }

        @Override
        public TaskKind taskKind(int step, int stage) {
            if (stage == training.evaluateStage()) {
                return TaskKind.EVALUATE;
            }
            return training.syncEvery() == 1 ? TaskKind.GRADIENT : TaskKind.LOCAL_STEPS;
        }
    }

    /**
     * A model split into model shards for training (TENSOR, or PIPELINE: GPipe stages in micro-batches), over one
     * or more data shards (more than one: HYBRID): each step runs the {@link TrainingProgram}'s rounds forward and
     * backward on every data shard's part of the batch, cut into {@code model.microBatches()} micro-batches, then each
     * model shard's update group applies the optimiser to its own pieces. Keys: {@link SplitSteps}.
     */
    record ModelParallelTraining(long rows, List<RowRange> shards, TrainingPlan training, ModelPlan model)
            implements Training {
        public ModelParallelTraining {
            shards = List.copyOf(shards);
            if (model.strategy() != Strategy.TENSOR && model.strategy() != Strategy.PIPELINE) {
                throw new IllegalArgumentException("a model is split by TENSOR or PIPELINE, not " + model.strategy());
            }
        }

        @Override
        public Strategy strategy() {
            return shards.size() > 1 ? Strategy.HYBRID : model.strategy();
        }

        @Override
        public boolean completesText() {
            return false;
        }

        public TrainingProgram program() {
            return TrainingProgram.of(training.architecture(), model.strategy(), model.modelShards());
        }

        public SplitSteps steps() {
            return new SplitSteps(program(), shards.size(), model.microBatches());
        }

        @Override
        public TaskKind taskKind(int step, int stage) {
            return switch (steps().task(stage, 0)) {
                case SplitTask.Forward f -> TaskKind.SPLIT_FORWARD;
                case SplitTask.Last l -> l.evaluation() ? TaskKind.EVALUATE : TaskKind.SPLIT_LAST;
                case SplitTask.Backward b -> TaskKind.SPLIT_BACKWARD;
                case SplitTask.Update u -> TaskKind.SPLIT_UPDATE;
            };
        }

        /** Compute and update tasks read the version the step starts from; an evaluation, the one it made. */
        @Override
        public int parameterVersion(int step, int stage) {
            return steps().evaluates(stage) ? training.roundEnd(step) : step;
        }

        @Override
        public int localSteps(int step, int stage) {
            return 0;
        }

        @Override
        public long partitionBytes() {
            return model.largestPartitionBytes();
        }
    }
}
