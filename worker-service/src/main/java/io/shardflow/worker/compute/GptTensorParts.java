package io.shardflow.worker.compute;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.training.PartOp;
import io.shardflow.core.training.Piece;
import java.util.List;

/**
 * The Megatron parts of a gpt block for tensor-parallel training, on hidden states {@code [n][context][dModel]}:
 * some heads of the attention, or some hidden units of the MLP. A part's output is its share of the block's
 * residual update; summed over the parts (part 0 adds the residual and the output bias) it is the block's output,
 * as {@link GptNetwork} computes it whole. Parameters arrive as the part's pieces, in {@code TrainingProgram}'s
 * order: the LayerNorm's weight and bias; for attention the heads' query, key and value rows, then their biases,
 * then the output projection's columns; for the MLP the fc rows and bias, then the proj columns; last the output
 * bias when the part adds the residual.
 */
public final class GptTensorParts {
    private final ComputeEngine engine;

    public GptTensorParts(ComputeEngine engine) {
        this.engine = engine;
    }

    /** The part's output without gradients. */
    public float[] forward(
            GptArchitecture architecture, PartOp op, List<Piece> pieces, float[][] params, float[] hidden, int n) {
        try (NDManager manager = engine.engine().newBaseManager(engine.device())) {
            var arrays = arrays(manager, pieces, params);
            var x = manager.create(hidden, new Shape(n, architecture.context(), architecture.dModel()));
            return apply(manager, architecture, op, arrays, x).toFloatArray();
        }
    }

    /** The part's backward from {@code upstream}, the gradient of the merged output: its pieces' gradients and its input's. */
    public GptNetwork.StageGradient backward(
            GptArchitecture architecture,
            PartOp op,
            List<Piece> pieces,
            float[][] params,
            float[] hidden,
            int n,
            float[] upstream,
            boolean inputGrad) {
        try (NDManager manager = engine.engine().newBaseManager(engine.device())) {
            var arrays = arrays(manager, pieces, params);
            for (var a : arrays) {
                a.setRequiresGradient(true);
            }
            var x = manager.create(hidden, new Shape(n, architecture.context(), architecture.dModel()));
            if (inputGrad) {
                x.setRequiresGradient(true);
            }
            JniUtils.setGradMode(true);
            try {
                var out = apply(manager, architecture, op, arrays, x);
                JniUtils.backward((PtNDArray) out, (PtNDArray) manager.create(upstream, out.getShape()), false, false);
                var grads = new float[arrays.length][];
                for (int i = 0; i < arrays.length; i++) {
                    grads[i] = arrays[i].getGradient().toFloatArray();
                }
                return new GptNetwork.StageGradient(
                        grads, inputGrad ? x.getGradient().toFloatArray() : null, 0, n);
            } finally {
                JniUtils.setGradMode(false);
            }
        }
    }

    private static NDArray[] arrays(NDManager manager, List<Piece> pieces, float[][] params) {
        var arrays = new NDArray[pieces.size()];
        for (int i = 0; i < arrays.length; i++) {
            int[] shape = pieces.get(i).shape();
            arrays[i] = manager.create(
                    params[i],
                    new Shape(java.util.Arrays.stream(shape).asLongStream().toArray()));
        }
        return arrays;
    }

    private static NDArray apply(NDManager manager, GptArchitecture architecture, PartOp op, NDArray[] p, NDArray x) {
        return switch (op) {
            case PartOp.GptAttention a -> {
                NDArray normed = GptNetwork.layerNorm(x, p[0], p[1]);
                NDArray weight = NDArrays.concat(new NDList(p[2], p[3], p[4]), 0);
                NDArray bias = NDArrays.concat(new NDList(p[5], p[6], p[7]), 0);
                NDList qkv =
                        Linear.linear(normed, weight, bias).singletonOrThrow().split(3, 2);
                int context = architecture.context();
                // the scale lives in the manager until the backward pass has read it (see GptNetwork#scale)
                NDArray scale = manager.create((float) (1 / Math.sqrt(architecture.headSize())));
                NDArray attended = GptNetwork.attention(
                        qkv.get(0),
                        qkv.get(1),
                        qkv.get(2),
                        a.toHead() - a.fromHead(),
                        GptNetwork.causalMask(manager, context),
                        scale);
                NDArray out = Linear.linear(attended, p[8]).singletonOrThrow();
                yield a.residual() ? x.add(out.add(p[9])) : out;
            }
            case PartOp.GptMlp m -> {
                NDArray normed = GptNetwork.layerNorm(x, p[0], p[1]);
                NDArray hidden =
                        Activation.gelu(Linear.linear(normed, p[2], p[3]).singletonOrThrow());
                NDArray out = Linear.linear(hidden, p[4]).singletonOrThrow();
                yield m.residual() ? x.add(out.add(p[5])) : out;
            }
            default -> throw new IllegalArgumentException("not a gpt tensor part: " + op);
        };
    }
}
