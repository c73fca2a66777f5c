package io.shardflow.scheduler.training;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.core.training.FeatureScaling;
import io.shardflow.core.training.ParameterInit;
import io.shardflow.core.training.ParameterOptimizer;
import io.shardflow.core.training.TextSchedule;
import io.shardflow.core.training.TrainingPlan;
import io.shardflow.core.training.TrainingProgram;
import io.shardflow.core.training.TrainingSchedule;
import io.shardflow.core.training.TrainingSpec;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.datasets.DatasetRow;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.training.PieceStore;
import io.shardflow.db.training.TrainingStore;
import io.shardflow.scheduler.SchedulerSettings;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Readies a training job: the architecture (new, or the registered model's when fine-tuning), the step counts,
 * the feature scaling learnt on the training split, and the initial parameters as version 0 and checkpoint 0.
 */
public class TrainingPreparation {
    private final ModelRepository models;
    private final DatasetRepository datasets;
    private final TrainingStore store;
    private final PieceStore pieces;
    private final SchedulerSettings settings;

    public TrainingPreparation(
            ModelRepository models,
            DatasetRepository datasets,
            TrainingStore store,
            PieceStore pieces,
            SchedulerSettings settings) {
        this.models = models;
        this.datasets = datasets;
        this.store = store;
        this.pieces = pieces;
        this.settings = settings;
    }

    /** The architecture the job trains, with the name that identifies it in error messages. */
    public record Target(
            ModelArchitecture architecture,
            String name,
            @Nullable UUID initialModelId) {}

    public Target target(JobSpec spec, String tenant) {
        var architecture = spec.model().architecture();
        if (architecture != null) {
            return new Target(architecture, "(new " + kind(architecture) + ")", null);
        }
        var id = spec.requireModelId();
        var model = models.find(id)
                .filter(m -> m.tenant().equals(tenant))
                .orElseThrow(() -> new InvalidSpecException("model.id", "model " + id + " does not exist"));
        return new Target(model.architecture(), "'" + model.name() + "'", model.id());
    }

    /**
     * The job's training plan, its initial state stored: whole, or as the pieces of {@code split}'s model shards
     * when it splits the model.
     */
    public TrainingPlan prepare(
            UUID jobId, JobSpec spec, Target target, DatasetRow dataset, Plan.@Nullable ModelPlan split) {
        var training = spec.requireTraining();
        int checkpointEvery =
                training.checkpointEvery() != null ? training.checkpointEvery() : settings.checkpointEvery();
        if (target.architecture() instanceof GptArchitecture gpt) {
            var text = new TextSchedule(
                    dataset.rows(), training.validationSplit(), training.seed(), training.batchSize(), gpt.context());
            int perEpoch = text.stepsPerEpoch();
            int total = training.steps() != null ? training.steps() : Math.multiplyExact(perEpoch, training.epochs());
            if (split != null) {
                storePieces(jobId, training, target, TrainingProgram.of(gpt, split.strategy(), split.modelShards()));
            } else {
                storeInitial(jobId, training, target);
            }
            return new TrainingPlan(
                    gpt,
                    total,
                    perEpoch,
                    (total + perEpoch - 1) / perEpoch,
                    training.syncEvery(),
                    (int) Math.min(Integer.MAX_VALUE, text.trainingBytes()),
                    text.validationWindows().length,
                    null,
                    target.initialModelId(),
                    checkpointEvery,
                    split != null ? split.microBatches() : 1);
        }
        var dense = (DenseArchitecture) target.architecture();
        var schedule =
                new TrainingSchedule(dataset.rows(), training.validationSplit(), training.seed(), training.batchSize());
        InvalidSpecException.require(
                schedule.trainingRows() > 0,
                "training.validationSplit",
                "leaves no training rows in a dataset of " + dataset.rows() + " rows");
        int total = training.totalSteps(schedule.trainingRows());
        int perEpoch = schedule.stepsPerEpoch();
        @Nullable
        FeatureScaling scaling =
                training.standardize() ? scaling(dataset, spec.requireDataset().features(), schedule) : null;
        if (split != null) {
            storePieces(jobId, training, target, TrainingProgram.of(dense, split.strategy(), split.modelShards()));
        } else {
            storeInitial(jobId, training, target);
        }
        int micro = split != null ? split.microBatches() : 1;
        return new TrainingPlan(
                target.architecture(),
                total,
                perEpoch,
                (total + perEpoch - 1) / perEpoch,
                training.syncEvery(),
                schedule.trainingRows(),
                schedule.validationRows().length,
                scaling,
                target.initialModelId(),
                checkpointEvery,
                micro);
    }

    /** Version 0 and checkpoint 0: the fine-tuned model's parameters, or seeded new ones, and a fresh optimiser. */
    private void storeInitial(UUID jobId, TrainingSpec training, Target target) {
        Map<String, Tensor> initial = initial(training, target);
        byte[] parameters = TensorCodec.encodeBundle(initial);
        byte[] optimizer =
                TensorCodec.encodeBundle(ParameterOptimizer.create(training).state());
        store.replaceState(jobId, 0, parameters, optimizer);
        store.checkpoint(jobId, 0, parameters, optimizer);
    }

    /**
     * Version 0 and checkpoint 0 as pieces: each model shard's slices of the initial parameters, each with a fresh
     * optimiser state of its own. Made, cut and stored a parameter at a time: the scheduler never holds the whole
     * model of a job that splits it.
     */
    private void storePieces(UUID jobId, TrainingSpec training, Target target, TrainingProgram program) {
        byte[] optimizer =
                TensorCodec.encodeBundle(ParameterOptimizer.create(training).state());
        eachInitial(training, target, (name, whole) -> {
            int width = whole.shape().length == 2 ? whole.shape()[1] : 1;
            var states = new LinkedHashMap<String, PieceStore.PieceState>();
            for (var piece : program.piecesOf(name)) {
                states.put(
                        piece.id(),
                        new PieceStore.PieceState(
                                TensorCodec.encode(new Tensor(piece.shape(), piece.cut(whole.data(), width))),
                                optimizer));
            }
            pieces.put(jobId, 0, states);
        });
        pieces.checkpoint(jobId, 0);
    }

    /** The initial parameters one at a time: the fine-tuned model's, read a parameter at a time, or seeded ones. */
    private void eachInitial(TrainingSpec training, Target target, BiConsumer<String, Tensor> each) {
        var base = target.initialModelId();
        if (base == null) {
            ParameterInit.forEach(target.architecture(), training.seed(), each);
            return;
        }
        var model = models.find(base).orElseThrow();
        for (String name : model.architecture().parameterShapes().keySet()) {
            models.loadNamed(model, List.of(name)).forEach(each);
        }
    }

    private Map<String, Tensor> initial(TrainingSpec training, Target target) {
        var named = new LinkedHashMap<String, Tensor>();
        eachInitial(training, target, named::put);
        return named;
    }

    /** Mean and standard deviation of each feature over the training rows, read a window at a time. */
    private FeatureScaling scaling(DatasetRow dataset, List<String> features, TrainingSchedule schedule) {
        int[] columns = features.stream().mapToInt(dataset::columnIndex).toArray();
        var validation = new BitSet();
        for (int row : schedule.validationRows()) {
            validation.set(row);
        }
        var accumulator = new FeatureScaling.Accumulator(columns.length);
        datasets.forEachWindow(dataset, columns, 0, dataset.rows(), 8192, (from, to, rows) -> {
            for (int r = 0; r < to - from; r++) {
                if (!validation.get((int) (from + r))) {
                    accumulator.add(rows, r * columns.length);
                }
            }
        });
        return accumulator.result();
    }

    private static String kind(ModelArchitecture architecture) {
        return ModelArchitecture.kindOf(architecture);
    }
}
