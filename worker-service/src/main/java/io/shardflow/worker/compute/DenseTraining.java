package io.shardflow.worker.compute;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.Task;
import io.shardflow.core.planning.ModelSplit;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Loss, gradients and accuracy of a dense model on a batch, with DJL autograd. Several lanes train at once, so
 * this does not use DJL's GradientCollector (one per JVM): grad mode is thread-local in PyTorch, and each call
 * builds its own parameter arrays in its own manager.
 *
 * <p>Losses: regression, mean squared error over samples and outputs; classification, mean softmax
 * cross-entropy over samples with integer class labels.
 */
public final class DenseTraining {
    private final ComputeEngine engine;

    public DenseTraining(ComputeEngine engine) {
        this.engine = engine;
    }

    /** Gradients of a batch; {@code loss} is the mean over the batch. */
    public record Result(float[][] grads, double loss, int correct, int samples) {}

    /** An evaluation of a batch, without gradients; {@code loss} is the mean over the batch. */
    public record Evaluation(double loss, int correct, int samples) {}

    /** A pipeline stage's gradients, and the gradient of its input (null for the first stage). */
    public record StageResult(float[][] grads, float @Nullable [] inputGrad, double loss, int correct, int samples) {}

    /**
     * A stage's (or a part's) layers forward, without gradients: its output for the next round. {@code slices} are
     * whole layers or Megatron slices of them, applied in order with the hidden activation between them; with no
     * slices the input passes unchanged (a part that only computes the loss).
     */
    public float[] forwardStage(
            DenseArchitecture architecture,
            List<ModelSplit.Slice> slices,
            float[][] params,
            float[] x,
            int n,
            boolean activateInput) {
        try (NDManager manager = engine.engine().newBaseManager(engine.device())) {
            return stageOutput(manager, architecture, slices, params, x, n, activateInput)
                    .toFloatArray();
        }
    }

    /**
     * A stage's backward for {@code n} rows: with {@code labels}, the last stage, whose loss is this micro-batch's
     * share of the global batch's mean loss ({@code batch} rows in all); otherwise {@code upstream}, the gradient of
     * the stage's output, which is then required.
     */
    public StageResult backwardStage(
            DenseArchitecture architecture,
            List<ModelSplit.Slice> slices,
            float[][] params,
            float[] x,
            int n,
            boolean activateInput,
            float @Nullable [] labels,
            int batch,
            float @Nullable [] upstream,
            boolean inputGrad) {
        try (NDManager manager = engine.engine().newBaseManager(engine.device())) {
            var arrays = stageArrays(manager, slices, params);
            for (var p : arrays) {
                p.setRequiresGradient(true);
            }
            var input = manager.create(x, new Shape(n, inputWidth(architecture, slices)));
            if (inputGrad) {
                input.setRequiresGradient(true);
            }
            JniUtils.setGradMode(true);
            try {
                var out = forward(architecture, slices, arrays, activateInput ? activate(architecture, input) : input);
                double loss = 0;
                int correct = 0;
                if (labels != null) {
                    // the factor lives in this manager until the backward pass has read it: mul(float) would
                    // close its scalar at once and leave autograd a buffer the garbage collector may free
                    var share = loss(architecture, manager, out, labels, n).mul(manager.create((float) n / batch));
                    JniUtils.backward((PtNDArray) share, (PtNDArray) share.onesLike(), false, false);
                    loss = share.getFloat() * batch / (double) n;
                    correct = correct(architecture, manager, out, labels);
                } else {
                    if (upstream == null) {
                        throw new IllegalArgumentException(
                                "a stage's backward needs the labels (last stage) or the gradient of its output");
                    }
                    var gradient = manager.create(upstream, out.getShape());
                    JniUtils.backward((PtNDArray) out, (PtNDArray) gradient, false, false);
                }
                var grads = new float[arrays.length][];
                for (int i = 0; i < arrays.length; i++) {
                    grads[i] = arrays[i].getGradient().toFloatArray();
                }
                return new StageResult(grads, inputGrad ? input.getGradient().toFloatArray() : null, loss, correct, n);
            } finally {
                JniUtils.setGradMode(false);
            }
        }
    }

    private static NDArray activate(DenseArchitecture architecture, NDArray a) {
        return switch (architecture.hiddenActivation()) {
            case RELU -> Activation.relu(a);
            case TANH -> Activation.tanh(a);
            case SIGMOID -> Activation.sigmoid(a);
            case IDENTITY -> a;
        };
    }

    /** A stage's (or a part's) forward and the loss of its output on {@code labels}, without gradients. */
    public Evaluation evaluateStage(
            DenseArchitecture architecture,
            List<ModelSplit.Slice> slices,
            float[][] params,
            float[] x,
            int n,
            boolean activateInput,
            float[] labels) {
        try (NDManager manager = engine.engine().newBaseManager(engine.device())) {
            var out = stageOutput(manager, architecture, slices, params, x, n, activateInput);
            var loss = loss(architecture, manager, out, labels, n);
            return new Evaluation(loss.getFloat(), correct(architecture, manager, out, labels), n);
        }
    }

    /** A stage's output for {@code n} rows of {@code x}, without gradients, in {@code manager}. */
    private static NDArray stageOutput(
            NDManager manager,
            DenseArchitecture architecture,
            List<ModelSplit.Slice> slices,
            float[][] params,
            float[] x,
            int n,
            boolean activateInput) {
        var input = manager.create(x, new Shape(n, inputWidth(architecture, slices)));
        return forward(
                architecture,
                slices,
                stageArrays(manager, slices, params),
                activateInput ? activate(architecture, input) : input);
    }

    /** Each slice's weight {@code [rows][cols]}, then its bias {@code [rows]} when it has one. */
    private static NDArray[] stageArrays(NDManager manager, List<ModelSplit.Slice> slices, float[][] params) {
        var arrays = new NDArray[params.length];
        int i = 0;
        for (var slice : slices) {
            arrays[i] = manager.create(params[i], new Shape(slice.outputs(), slice.colEnd() - slice.colStart()));
            i++;
            if (slice.bias()) {
                arrays[i] = manager.create(params[i], new Shape(slice.outputs()));
                i++;
            }
        }
        if (i != params.length) {
            throw new IllegalArgumentException("the slices take " + i + " tensors, given " + params.length);
        }
        return arrays;
    }

    private static int inputWidth(DenseArchitecture architecture, List<ModelSplit.Slice> slices) {
        return slices.isEmpty()
                ? architecture.outputs()
                : slices.getFirst().colEnd() - slices.getFirst().colStart();
    }

    /** The slices' layers in order, the activation between them; a slice without a bias adds none. */
    private static NDArray forward(
            DenseArchitecture architecture, List<ModelSplit.Slice> slices, NDArray[] params, NDArray x) {
        NDArray a = x;
        int i = 0;
        for (int s = 0; s < slices.size(); s++) {
            var slice = slices.get(s);
            a = slice.bias()
                    ? Linear.linear(a, params[i], params[i + 1]).singletonOrThrow()
                    : Linear.linear(a, params[i]).singletonOrThrow();
            i += slice.bias() ? 2 : 1;
            if (s + 1 < slices.size()) {
                a = activate(architecture, a);
            }
        }
        return a;
    }

    /** Gradients of the mean loss over {@code n} rows of {@code x} ({@code [n][inputs]}) with labels {@code y}. */
    public Result gradient(DenseArchitecture architecture, float[][] params, float[] x, float[] y, int n) {
        try (NDManager manager = engine.engine().newBaseManager(engine.device())) {
            var arrays = arrays(manager, architecture, params);
            for (var p : arrays) {
                p.setRequiresGradient(true);
            }
            JniUtils.setGradMode(true);
            try {
                var logits = forward(architecture, arrays, manager.create(x, new Shape(n, architecture.inputs())));
                var loss = loss(architecture, manager, logits, y, n);
                JniUtils.backward((PtNDArray) loss, (PtNDArray) loss.onesLike(), false, false);
                var grads = new float[arrays.length][];
                for (int i = 0; i < arrays.length; i++) {
                    grads[i] = arrays[i].getGradient().toFloatArray();
                }
                return new Result(grads, loss.getFloat(), correct(architecture, manager, logits, y), n);
            } finally {
                JniUtils.setGradMode(false);
            }
        }
    }

    public Evaluation evaluate(DenseArchitecture architecture, float[][] params, float[] x, float[] y, int n) {
        try (NDManager manager = engine.engine().newBaseManager(engine.device())) {
            var logits = forward(
                    architecture,
                    arrays(manager, architecture, params),
                    manager.create(x, new Shape(n, architecture.inputs())));
            var loss = loss(architecture, manager, logits, y, n);
            return new Evaluation(loss.getFloat(), correct(architecture, manager, logits, y), n);
        }
    }

    private static NDArray[] arrays(NDManager manager, DenseArchitecture architecture, float[][] params) {
        var widths = architecture.widths();
        var arrays = new NDArray[params.length];
        for (int l = 0; l + 1 < widths.size(); l++) {
            arrays[2 * l] = manager.create(params[2 * l], new Shape(widths.get(l + 1), widths.get(l)));
            arrays[2 * l + 1] = manager.create(params[2 * l + 1], new Shape(widths.get(l + 1)));
        }
        return arrays;
    }

    static NDArray forward(DenseArchitecture architecture, NDArray[] params, NDArray x) {
        NDArray a = x;
        int layers = params.length / 2;
        for (int l = 0; l < layers; l++) {
            a = Linear.linear(a, params[2 * l], params[2 * l + 1]).singletonOrThrow();
            if (l + 1 < layers) {
                a = activate(architecture, a);
            }
        }
        return a;
    }

    private static NDArray loss(DenseArchitecture architecture, NDManager manager, NDArray out, float[] y, int n) {
        if (architecture.task() == Task.CLASSIFICATION) {
            var oneHot = manager.create(toLong(y)).oneHot(architecture.outputs());
            return out.logSoftmax(1).mul(oneHot).sum(new int[] {1}).neg().mean();
        }
        var labels = manager.create(y, new Shape(n, architecture.outputs()));
        return out.sub(labels).square().mean();
    }

    private static int correct(DenseArchitecture architecture, NDManager manager, NDArray out, float[] y) {
        if (architecture.task() != Task.CLASSIFICATION || y.length == 0) {
            return 0;
        }
        return (int) out.argMax(1).eq(manager.create(toLong(y))).sum().getLong();
    }

    private static long[] toLong(float[] labels) {
        var longs = new long[labels.length];
        for (int i = 0; i < labels.length; i++) {
            longs[i] = (long) labels[i];
        }
        return longs;
    }
}
