package io.shardflow.worker.training;

import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.ModelArchitecture;
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
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.partials.ActivationStore;
import io.shardflow.db.training.PieceStore;
import io.shardflow.worker.compute.ComputeEngine;
import io.shardflow.worker.compute.DenseTraining;
import io.shardflow.worker.compute.GptNetwork;
import io.shardflow.worker.compute.GptTensorParts;
import io.shardflow.worker.lanes.ShardInputException;
import java.util.LinkedHashMap;
import java.util.List;
import org.jspecify.annotations.Nullable;

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
    private final GptTensorParts tensorParts;
    private final ComputeEngine engine;

    public SplitTraining(PieceStore pieces, ActivationStore activations, DenseTraining dense, ComputeEngine engine) {
        this.pieces = pieces;
        this.activations = activations;
        this.dense = dense;
        this.tensorParts = new GptTensorParts(engine);
        this.engine = engine;
    }

    /** What a part's backward gives, whatever the model. */
    private record PartResult(float[][] grads, float @Nullable [] inputGrad, double loss, long correct, long samples) {}

    byte[] compute(ShardTask task, JobRow job, Plan.ModelParallelTraining plan, ShardRows shardRows) {
        var steps = plan.steps();
        var architecture = plan.training().architecture();
        var program = steps.program();
        return switch (steps.task(task.stage(), task.shardIndex())) {
            case SplitTask.Forward f -> {
                var part = program.rounds().get(f.round()).parts().get(f.part());
                var rows = shardRows.rows(task.step(), f.evaluation(), f.microBatch(), steps.microBatches());
                int width = program.outputs(f.round());
                if (rows.count() == 0) {
                    yield TensorCodec.encode(Tensor.matrix(0, width, new float[0]));
                }
                float[] input =
                        input(task, steps, f.round(), steps.slice(f.dataShard(), f.microBatch()), f.evaluation());
                var out = forward(architecture, part, read(task, part.pieces()), input, rows);
                yield TensorCodec.encode(Tensor.matrix(rows.count(), width, out));
            }
            case SplitTask.Last l -> last(task, steps, architecture, shardRows, l);
            case SplitTask.Backward b -> backward(task, steps, architecture, shardRows, b);
            case SplitTask.Update u -> update(task, job, program, u.group());
        };
    }

    private byte[] last(
            ShardTask task, SplitSteps steps, ModelArchitecture architecture, ShardRows shardRows, SplitTask.Last l) {
        var program = steps.program();
        int round = program.lastRound();
        var part = program.rounds().get(round).parts().getFirst();
        var rows = shardRows.rows(task.step(), l.evaluation(), l.microBatch(), steps.microBatches());
        if (rows.count() == 0) {
            return new TrainingPartial(new float[0][], 0, 0, 0).encode();
        }
        float[] input = input(task, steps, round, steps.slice(l.dataShard(), l.microBatch()), l.evaluation());
        var params = read(task, part.pieces());
        var result = l.evaluation()
                ? evaluate(architecture, part, params, input, rows)
                : backward(architecture, part, params, input, rows, null, shardRows.batchSize(task.step()), round > 0);
        storeGradients(task, part, result.grads());
        return partial(result);
    }

    private byte[] backward(
            ShardTask task,
            SplitSteps steps,
            ModelArchitecture architecture,
            ShardRows shardRows,
            SplitTask.Backward b) {
        var program = steps.program();
        var round = program.rounds().get(b.round());
        var part = round.parts().get(b.part());
        var rows = shardRows.rows(task.step(), false, b.microBatch(), steps.microBatches());
        if (rows.count() == 0) {
            return new TrainingPartial(new float[0][], 0, 0, 0).encode();
        }
        int slice = steps.slice(b.dataShard(), b.microBatch());
        float[] input = input(task, steps, b.round(), slice, false);
        // the gradient of the round's merged output: each part's output went into it whole (a sum, or passed on)
        float[] upstream = stored(task, steps.backwardStage(b.round()), slice).data();
        var result = backward(
                architecture,
                part,
                read(task, part.pieces()),
                input,
                rows,
                upstream,
                shardRows.batchSize(task.step()),
                b.round() > 0);
        storeGradients(task, part, result.grads());
        return partial(result);
    }

    /**
     * How a part runs: dense layers (none for the part that only computes a dense model's loss), a stage of the gpt
     * network (the embeddings, blocks, and for the last part the head and loss: a pipeline stage, or TENSOR's first
     * and last rounds), or a Megatron part of a gpt block.
     */
    private sealed interface Runner {
        record DenseLayers(List<ModelSplit.Slice> slices, boolean activateInput) implements Runner {}

        record NetworkStage(int fromBlock, int toBlock, boolean embed) implements Runner {}

        record TensorPart(PartOp op) implements Runner {}
    }

    private static Runner runner(PartOp op, ModelArchitecture architecture) {
        return switch (op) {
            case PartOp.Dense d -> new Runner.DenseLayers(d.slices(), d.activateInput());
            case PartOp.DenseLoss l -> new Runner.DenseLayers(List.of(), false);
            case PartOp.GptEmbed e -> new Runner.NetworkStage(0, 0, true);
            case PartOp.GptStage s -> new Runner.NetworkStage(s.fromBlock(), s.toBlock(), s.embed());
            case PartOp.GptHead h -> {
                int layers = ((GptArchitecture) architecture).layers();
                yield new Runner.NetworkStage(layers, layers, false);
            }
            case PartOp.GptAttention a -> new Runner.TensorPart(a);
            case PartOp.GptMlp m -> new Runner.TensorPart(m);
        };
    }

    /** A part's forward (not the last part's): its output for the next round. */
    private float[] forward(
            ModelArchitecture architecture,
            TrainingProgram.Part part,
            float[][] params,
            float @Nullable [] input,
            ShardRows.Rows rows) {
        return switch (runner(part.op(), architecture)) {
            case Runner.DenseLayers d -> {
                var batch = table(rows);
                yield dense.forwardStage(
                        (DenseArchitecture) architecture,
                        d.slices(),
                        params,
                        input != null ? input : batch.x(),
                        batch.rows(),
                        d.activateInput());
            }
            case Runner.NetworkStage s -> {
                try (var network = network(architecture, part, params)) {
                    yield network.stageForward(s.fromBlock(), s.toBlock(), s.embed(), input, windows(rows));
                }
            }
            case Runner.TensorPart t ->
                tensorParts.forward(
                        (GptArchitecture) architecture, t.op(), part.pieces(), params, required(input), rows.count());
        };
    }

    /**
     * A part's backward: from {@code upstream}, the gradient of its round's merged output (each part's output went
     * into it whole, summed or passed on); or, for the last part ({@code upstream} null), from this slice's share of
     * the batch's mean loss, its forward and the loss computed first.
     */
    private PartResult backward(
            ModelArchitecture architecture,
            TrainingProgram.Part part,
            float[][] params,
            float @Nullable [] input,
            ShardRows.Rows rows,
            float @Nullable [] upstream,
            int batch,
            boolean inputGrad) {
        return switch (runner(part.op(), architecture)) {
            case Runner.DenseLayers d -> {
                var table = table(rows);
                var result = dense.backwardStage(
                        (DenseArchitecture) architecture,
                        d.slices(),
                        params,
                        input != null ? input : table.x(),
                        table.rows(),
                        d.activateInput(),
                        upstream == null ? table.y() : null,
                        batch,
                        upstream,
                        inputGrad);
                yield new PartResult(
                        result.grads(), result.inputGrad(), result.loss(), result.correct(), result.samples());
            }
            case Runner.NetworkStage s -> {
                try (var network = network(architecture, part, params)) {
                    var names = part.pieces().stream().map(Piece::parameter).toList();
                    var result = network.stageGradient(
                            names,
                            s.fromBlock(),
                            s.toBlock(),
                            s.embed(),
                            upstream == null,
                            input,
                            windows(rows),
                            upstream,
                            batch,
                            inputGrad && !s.embed());
                    yield new PartResult(result.grads(), result.inputGrad(), result.loss(), 0, result.windows());
                }
            }
            case Runner.TensorPart t -> {
                if (upstream == null) {
                    throw new IllegalArgumentException("a tensor part is never the last: " + t.op());
                }
                var result = tensorParts.backward(
                        (GptArchitecture) architecture,
                        t.op(),
                        part.pieces(),
                        params,
                        required(input),
                        rows.count(),
                        upstream,
                        inputGrad);
                yield new PartResult(result.grads(), result.inputGrad(), 0, 0, rows.count());
            }
        };
    }

    /** The last part on validation rows: the loss (and, for a classifier, how many it got right), no gradients. */
    private PartResult evaluate(
            ModelArchitecture architecture,
            TrainingProgram.Part part,
            float[][] params,
            float @Nullable [] input,
            ShardRows.Rows rows) {
        return switch (runner(part.op(), architecture)) {
            case Runner.DenseLayers d -> {
                var table = table(rows);
                var evaluation = dense.evaluateStage(
                        (DenseArchitecture) architecture,
                        d.slices(),
                        params,
                        input != null ? input : table.x(),
                        table.rows(),
                        d.activateInput(),
                        table.y());
                yield new PartResult(
                        new float[0][], null, evaluation.loss(), evaluation.correct(), evaluation.samples());
            }
            case Runner.NetworkStage s -> {
                try (var network = network(architecture, part, params)) {
                    double loss = network.stageLoss(s.fromBlock(), s.toBlock(), s.embed(), input, windows(rows));
                    yield new PartResult(new float[0][], null, loss, 0, rows.count());
                }
            }
            case Runner.TensorPart t ->
                throw new IllegalArgumentException("a tensor part is never the last: " + t.op());
        };
    }

    /** A network of the part's whole-parameter pieces: a pipeline stage, the embeddings, or the head. */
    private GptNetwork network(ModelArchitecture architecture, TrainingProgram.Part part, float[][] params) {
        var named = new LinkedHashMap<String, Tensor>();
        for (int i = 0; i < params.length; i++) {
            var piece = part.pieces().get(i);
            named.put(piece.parameter(), new Tensor(piece.shape(), params[i]));
        }
        return new GptNetwork(engine.engine(), engine.device(), (GptArchitecture) architecture, named);
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

    /** Round {@code round}'s input: null for the first (the part reads the slice's rows), else the merge before it. */
    private float @Nullable [] input(ShardTask task, SplitSteps steps, int round, int slice, boolean evaluation) {
        return round == 0
                ? null
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
        if (grads.length == 0) {
            return;
        }
        var byPiece = new LinkedHashMap<String, byte[]>();
        for (int i = 0; i < grads.length; i++) {
            var piece = part.pieces().get(i);
            byPiece.put(piece.id(), TensorCodec.encode(new Tensor(piece.shape(), grads[i])));
        }
        pieces.putGradients(task.jobId(), task.step(), task.stage(), task.shardIndex(), byPiece);
    }

    private static byte[] partial(PartResult result) {
        var inputGrad = result.inputGrad();
        return new TrainingPartial(
                        inputGrad == null ? new float[0][] : new float[][] {inputGrad},
                        result.samples(),
                        result.loss(),
                        result.correct())
                .encode();
    }

    private static ShardSlice.Batch table(ShardRows.Rows rows) {
        return switch (rows) {
            case ShardRows.Table t -> t.batch();
            case ShardRows.Text t -> throw new IllegalArgumentException("a dense model reads rows, not text");
        };
    }

    private static int[][] windows(ShardRows.Rows rows) {
        return switch (rows) {
            case ShardRows.Text t -> t.windows();
            case ShardRows.Table t -> throw new IllegalArgumentException("a gpt reads text, not rows");
        };
    }

    private static float[] required(float @Nullable [] input) {
        if (input == null) {
            throw new IllegalArgumentException("a tensor part reads the merged output of the round before it");
        }
        return input;
    }
}
