package io.shardflow.worker.training;

import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.planning.DataPlanner;
import io.shardflow.core.planning.ModelSplit;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.core.training.ParameterOptimizer;
import io.shardflow.core.training.PartOp;
import io.shardflow.core.training.Piece;
import io.shardflow.core.training.SplitSteps;
import io.shardflow.core.training.SplitTask;
import io.shardflow.core.training.TrainingPartial;
import io.shardflow.core.training.TrainingProgram;
import io.shardflow.core.training.TrainingSchedule;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.partials.ActivationStore;
import io.shardflow.db.training.PieceStore;
import io.shardflow.worker.compute.DenseTraining;
import io.shardflow.worker.lanes.ShardInputException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Supplier;

/**
 * One task of a model-parallel training step ({@link SplitSteps}): a part's forward on its slice of the batch, the
 * last part's forward, loss and backward, a part's backward (recomputing its forward from the stored input rather
 * than keeping activations between tasks), or an update group's optimiser step on its own pieces. A lane reads only
 * the pieces its part or group needs; a backward task stores its pieces' gradients for the update, and its partial
 * is the gradient of its input, which the scheduler sums over the round's parts.
 */
public class SplitTraining {
    private final PieceStore pieces;
    private final ActivationStore activations;
    private final DenseTraining dense;

    public SplitTraining(PieceStore pieces, ActivationStore activations, DenseTraining dense) {
        this.pieces = pieces;
        this.activations = activations;
        this.dense = dense;
    }

    byte[] compute(
            ShardTask task,
            JobRow job,
            Plan.ModelParallelTraining plan,
            TrainingSchedule schedule,
            Supplier<ShardSlice> slice) {
        var steps = plan.steps();
        var architecture = (DenseArchitecture) plan.training().architecture();
        return switch (steps.task(task.stage(), task.shardIndex())) {
            case SplitTask.Forward f -> {
                var part = steps.program().rounds().get(f.round()).parts().get(f.part());
                var rows = rows(schedule, slice.get(), task, steps, f.microBatch(), f.evaluation());
                var op = (PartOp.Dense) part.op();
                int outputs = op.slices().getLast().outputs();
                if (rows.rows() == 0) {
                    yield TensorCodec.encode(Tensor.matrix(0, outputs, new float[0]));
                }
                float[] input =
                        input(task, steps, f.round(), steps.slice(f.dataShard(), f.microBatch()), f.evaluation(), rows);
                var out = dense.forwardStage(
                        architecture, op.slices(), read(task, part.pieces()), input, rows.rows(), op.activateInput());
                yield TensorCodec.encode(Tensor.matrix(rows.rows(), outputs, out));
            }
            case SplitTask.Last l -> last(task, plan, steps, architecture, schedule, slice.get(), l);
            case SplitTask.Backward b -> backward(task, steps, architecture, schedule, slice.get(), b);
            case SplitTask.Update u -> update(task, job, steps.program(), u.group());
        };
    }

    private byte[] last(
            ShardTask task,
            Plan.ModelParallelTraining plan,
            SplitSteps steps,
            DenseArchitecture architecture,
            TrainingSchedule schedule,
            ShardSlice slice,
            SplitTask.Last l) {
        var program = steps.program();
        int round = program.lastRound();
        var part = program.rounds().get(round).parts().getFirst();
        var rows = rows(schedule, slice, task, steps, l.microBatch(), l.evaluation());
        if (rows.rows() == 0) {
            return new TrainingPartial(new float[0][], 0, 0, 0).encode();
        }
        var slices = slices(part.op());
        boolean activate = part.op() instanceof PartOp.Dense d && d.activateInput();
        int sliceIndex = steps.slice(l.dataShard(), l.microBatch());
        float[] input = input(task, steps, round, sliceIndex, l.evaluation(), rows);
        var params = read(task, part.pieces());
        if (l.evaluation()) {
            var evaluation = dense.evaluateStage(architecture, slices, params, input, rows.rows(), activate, rows.y());
            return new TrainingPartial(new float[0][], evaluation.samples(), evaluation.loss(), evaluation.correct())
                    .encode();
        }
        int batch = schedule.batch(task.step()).length;
        var result = dense.backwardStage(
                architecture, slices, params, input, rows.rows(), activate, rows.y(), batch, null, round > 0);
        storeGradients(task, part, result.grads());
        var inputGrad = result.inputGrad();
        return new TrainingPartial(
                        inputGrad == null ? new float[0][] : new float[][] {inputGrad},
                        result.samples(),
                        result.loss(),
                        result.correct())
                .encode();
    }

    private byte[] backward(
            ShardTask task,
            SplitSteps steps,
            DenseArchitecture architecture,
            TrainingSchedule schedule,
            ShardSlice slice,
            SplitTask.Backward b) {
        var round = steps.program().rounds().get(b.round());
        var part = round.parts().get(b.part());
        var rows = rows(schedule, slice, task, steps, b.microBatch(), false);
        if (rows.rows() == 0) {
            return new TrainingPartial(new float[0][], 0, 0, 0).encode();
        }
        var op = (PartOp.Dense) part.op();
        int sliceIndex = steps.slice(b.dataShard(), b.microBatch());
        float[] input = input(task, steps, b.round(), sliceIndex, false, rows);
        // the gradient of the round's merged output; a concatenated output's part j had only its own columns
        var merged = stored(task, steps.backwardStage(b.round()), sliceIndex);
        float[] upstream = round.merge() == ModelSplit.Merge.CONCAT
                ? columns(
                        merged,
                        steps.program().outputOffset(b.round(), b.part()),
                        op.slices().getLast().outputs())
                : merged.data();
        int batch = schedule.batch(task.step()).length;
        var result = dense.backwardStage(
                architecture,
                op.slices(),
                read(task, part.pieces()),
                input,
                rows.rows(),
                op.activateInput(),
                null,
                batch,
                upstream,
                b.round() > 0);
        storeGradients(task, part, result.grads());
        var inputGrad = result.inputGrad();
        return new TrainingPartial(inputGrad == null ? new float[0][] : new float[][] {inputGrad}, rows.rows(), 0, 0)
                .encode();
    }

    /**
     * The group's optimiser step: each piece's gradients summed over every task that read it (each computed its
     * share of the global batch's mean loss), then the piece's own optimiser state applied; the new version stored.
     */
    private byte[] update(ShardTask task, JobRow job, TrainingProgram program, int group) {
        var owned = program.pieces(group);
        var ids = owned.stream().map(Piece::id).toList();
        var states = pieces.states(task.jobId(), task.version(), ids);
        var sums = new LinkedHashMap<String, float[]>();
        for (var gradient : pieces.gradients(task.jobId(), task.step(), ids)) {
            float[] g = TensorCodec.decode(gradient.data()).data();
            float[] sum = sums.computeIfAbsent(gradient.piece(), k -> new float[g.length]);
            for (int i = 0; i < g.length; i++) {
                sum[i] += g[i];
            }
        }
        var spec = job.spec().requireTraining();
        var next = new LinkedHashMap<String, PieceStore.PieceState>();
        for (var piece : owned) {
            var state = states.get(piece.id());
            if (state == null) {
                throw new IllegalStateException("piece " + piece.id() + " of version " + task.version() + " of job "
                        + task.jobId() + " is missing");
            }
            float[] values = TensorCodec.decode(state.data()).data();
            float[] gradient = sums.getOrDefault(piece.id(), new float[values.length]);
            var optimizer = ParameterOptimizer.restore(spec, TensorCodec.decodeBundle(state.optimizer()));
            optimizer.step(new float[][] {values}, new float[][] {gradient});
            for (float v : values) {
                if (!Float.isFinite(v)) {
                    throw new ShardInputException(
                            "training diverged at step " + (task.step() + 1) + ": " + piece.parameter()
                                    + " is not finite; try a smaller learning rate or standardised features");
                }
            }
            next.put(
                    piece.id(),
                    new PieceStore.PieceState(
                            TensorCodec.encode(new Tensor(piece.shape(), values)),
                            TensorCodec.encodeBundle(optimizer.state())));
        }
        pieces.put(task.jobId(), task.version() + 1, next);
        return new TrainingPartial(new float[0][], 0, 0, 0).encode();
    }

    /** The slice's rows: its data shard's part of the step's batch (or of the validation rows), one micro-batch of it. */
    private static ShardSlice.Batch rows(
            TrainingSchedule schedule,
            ShardSlice slice,
            ShardTask task,
            SplitSteps steps,
            int microBatch,
            boolean evaluation) {
        int[] all = TrainingSchedule.within(
                evaluation ? schedule.validationRows() : schedule.batch(task.step()), task.rowStart(), task.rowEnd());
        var micro = DataPlanner.split(all.length, steps.microBatches());
        if (all.length == 0 || microBatch >= micro.size()) {
            return slice.gather(new int[0]);
        }
        var range = micro.get(microBatch);
        return slice.gather(Arrays.copyOfRange(all, (int) range.start(), (int) range.end()));
    }

    /** Round {@code round}'s input: the rows' features for the first, else the merged output of the round before. */
    private float[] input(
            ShardTask task, SplitSteps steps, int round, int slice, boolean evaluation, ShardSlice.Batch rows) {
        return round == 0
                ? rows.x()
                : stored(task, steps.forwardStage(round - 1, evaluation), slice).data();
    }

    private Tensor stored(ShardTask task, int stage, int slice) {
        return TensorCodec.decode(activations
                .get(task.jobId(), task.step(), stage, slice)
                .orElseThrow(() -> new IllegalStateException(
                        "the input of " + task.shardKey() + " (stage " + stage + ", slice " + slice + ") is missing")));
    }

    /** The pieces' values at the task's version, in the part's order. */
    private float[][] read(ShardTask task, List<Piece> wanted) {
        var ids = wanted.stream().map(Piece::id).toList();
        var data = pieces.data(task.jobId(), task.version(), ids);
        var params = new float[wanted.size()][];
        for (int i = 0; i < params.length; i++) {
            byte[] bytes = data.get(ids.get(i));
            if (bytes == null) {
                throw new IllegalStateException("piece " + ids.get(i) + " of version " + task.version() + " of job "
                        + task.jobId() + " is missing");
            }
            params[i] = TensorCodec.decode(bytes).data();
        }
        return params;
    }

    private void storeGradients(ShardTask task, TrainingProgram.Part part, float[][] grads) {
        if (part.pieces().isEmpty()) {
            return;
        }
        var byPiece = new LinkedHashMap<String, byte[]>();
        for (int i = 0; i < grads.length; i++) {
            var piece = part.pieces().get(i);
            byPiece.put(piece.id(), TensorCodec.encode(new Tensor(piece.shape(), grads[i])));
        }
        pieces.putGradients(task.jobId(), task.step(), task.stage(), task.shardIndex(), byPiece);
    }

    private static List<ModelSplit.Slice> slices(PartOp op) {
        return switch (op) {
            case PartOp.Dense d -> d.slices();
            case PartOp.DenseLoss l -> List.of();
        };
    }

    /** Columns {@code [from, from + width)} of a row-major matrix. */
    private static float[] columns(Tensor matrix, int from, int width) {
        int rows = matrix.shape()[0];
        int cols = matrix.shape()[1];
        var out = new float[rows * width];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(matrix.data(), r * cols + from, out, r * width, width);
        }
        return out;
    }
}
