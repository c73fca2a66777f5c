package io.shardflow.worker.compute;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.tensors.Tensor;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;

/**
 * A byte-level GPT ({@link GptArchitecture}) on DJL NDArrays: gradients and losses for training, decoding with a
 * key/value cache shared by many sequences, and pipeline stages for a model split across workers.
 *
 * <p>The math is GPT-2's pre-LayerNorm block: {@code x += out(attention(ln1(x)))}, {@code x += proj(gelu(fc(ln2(x))))},
 * then {@code logits = final.ln(x) · head.weightᵀ} (an untied head). LayerNorm is torch's {@code layer_norm} (through
 * {@link LayerNorm#layerNorm}) with eps 1e-5. GELU is {@link Activation#gelu}, which the PyTorch engine runs as
 * torch's exact erf form {@code x·Φ(x)}, not the tanh approximation. Attention is causal, scaled by
 * {@code 1/sqrt(headSize)}.
 *
 * <p>A network may hold only some of the parameters (a pipeline stage holds only its blocks); whatever needs a
 * missing one throws {@link IllegalStateException} naming it.
 *
 * <p>Several threads may use one network at once. The parameters are never written; every call keeps its
 * temporaries in its own sub-manager, and every operation that reads a parameter takes a temporary as its first
 * operand, because DJL attaches a result to its first operand's manager. {@link #gradient} differentiates per-call
 * copies, because PyTorch accumulates a gradient on the tensor itself.
 */
public final class GptNetwork implements AutoCloseable {
    private static final float LAYER_NORM_EPS = 1e-5f;
    private static final String TOKENS = "tokens.weight";
    private static final String POSITIONS = "positions.weight";
    private static final String HEAD = "head.weight";

    private final GptArchitecture architecture;
    private final NDManager manager;
    private final Weights weights;

    /**
     * Sequences decoded together, one per slot, each with its keys and values cached so that a step computes only
     * one new position per sequence; see {@link #newBatch}. Not thread-safe: one thread drives a batch.
     */
    public interface DecodeBatch extends AutoCloseable {
        /**
         * Runs a whole prompt (1..context bytes) through the network in {@code slot}, replacing what the slot held,
         * and returns the logits for the byte after it.
         */
        float[] prefill(int slot, byte[] prompt);

        /**
         * Prefills several slots in one forward pass (prompts right-padded to the longest); returns each one's
         * next-byte logits in the order given. Equal to prefilling them one by one.
         */
        float[][] prefill(int[] slots, byte[][] prompts);

        /**
         * Appends {@code tokens[i]} to {@code slots[i]} in one forward pass over all the given slots, each attending
         * to its own cached positions only, and returns their logits for the next byte in the order given.
         */
        float[][] step(int[] slots, int[] tokens);

        /** How many positions the slot holds. */
        int length(int slot);

        /** Frees the slot (length 0). */
        void release(int slot);

        @Override
        void close();
    }

    /** Gradients of the mean loss, one array per parameter in {@link GptArchitecture#parameterShapes()} order. */
    public record Gradient(float[][] grads, double loss, int windows) {}

    /** Loads {@code parameters} (all of the architecture's, or a subset) into a manager of its own. */
    public GptNetwork(Engine engine, Device device, GptArchitecture architecture, Map<String, Tensor> parameters) {
        var shapes = architecture.parameterShapes();
        parameters.forEach((name, tensor) -> {
            var shape = shapes.get(name);
            if (shape == null || !Arrays.equals(shape, tensor.shape())) {
                throw new IllegalArgumentException("parameter " + name + " " + Arrays.toString(tensor.shape())
                        + " does not fit the architecture: expected "
                        + (shape == null ? "no such parameter" : Arrays.toString(shape)));
            }
        });
        this.architecture = architecture;
        this.manager = engine.newBaseManager(device);
        var arrays = new HashMap<String, NDArray>();
        parameters.forEach((name, tensor) -> arrays.put(name, manager.create(tensor.data(), shape(tensor.shape()))));
        this.weights = new Weights(Map.copyOf(arrays));
    }

    /**
     * Gradients of the mean next-byte cross-entropy over {@code windows}, each {@code context + 1} bytes: the
     * first {@code context} are inputs, the last {@code context} their targets. Needs every parameter.
     */
    public Gradient gradient(int[][] windows) {
        var names = architecture.parameterShapes().keySet();
        try (NDManager scope = manager.newSubManager()) {
            var copied = differentiable(scope, names);
            JniUtils.setGradMode(true);
            try {
                NDArray loss = meanLoss(scope, copied, windows);
                JniUtils.backward((PtNDArray) loss, (PtNDArray) loss.onesLike(), false, false);
                var grads = new float[names.size()][];
                int i = 0;
                for (String name : names) {
                    grads[i++] = copied.get(name).getGradient().toFloatArray();
                }
                return new Gradient(grads, loss.getFloat(), windows.length);
            } finally {
                JniUtils.setGradMode(false);
            }
        }
    }

    /** The mean next-byte cross-entropy in nats over {@code windows}, as in {@link #gradient}, without gradients. */
    public double loss(int[][] windows) {
        try (NDManager scope = manager.newSubManager()) {
            return meanLoss(scope, weights, windows).getFloat();
        }
    }

    /** A decoding batch of {@code slots} sequences with a key/value cache of {@code context} positions each. */
    public DecodeBatch newBatch(int slots) {
        if (slots < 1) {
            throw new IllegalArgumentException("slots must be at least 1, was " + slots);
        }
        return new Batch(slots);
    }

    /**
     * Token plus position embeddings, {@code [batch][length][dModel]} row-major, of sequences right-padded with
     * byte 0 to {@code length}. The first pipeline stage.
     */
    public float[] embed(int[][] tokens, int length) {
        if (tokens.length == 0 || length < 1 || length > architecture.context()) {
            throw new IllegalArgumentException("need 1.. sequences of length 1.." + architecture.context() + ", had "
                    + tokens.length + " of length " + length);
        }
        var padded = new int[tokens.length][];
        for (int b = 0; b < tokens.length; b++) {
            if (tokens[b].length > length) {
                throw new IllegalArgumentException("sequence " + b + " is longer than " + length);
            }
            padded[b] = Arrays.copyOf(tokens[b], length);
        }
        try (NDManager scope = manager.newSubManager()) {
            return embed(weights, byteIndices(scope, padded, 0, length), positions(scope, length))
                    .toFloatArray();
        }
    }

    /**
     * Blocks {@code fromBlock} (inclusive) to {@code toBlock} (exclusive) over {@code hidden}, {@code [batch][length][dModel]}
     * row-major. Causal attention keeps real positions free of the padding after them, provided it is finite.
     */
    public float[] blocks(int fromBlock, int toBlock, float[] hidden, int batch, int length) {
        if (fromBlock < 0 || fromBlock > toBlock || toBlock > architecture.layers()) {
            throw new IllegalArgumentException(
                    "blocks [" + fromBlock + ", " + toBlock + ") outside 0.." + architecture.layers());
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = hidden(scope, hidden, batch, length);
            return blocks(weights, fromBlock, toBlock, x, selfAttention(scope, length))
                    .toFloatArray();
        }
    }

    /** The final LayerNorm and tied head: {@code [batch][256]} logits at each sequence's {@code lastPositions[b]}. */
    public float[][] head(float[] hidden, int batch, int length, int[] lastPositions) {
        if (lastPositions.length != batch) {
            throw new IllegalArgumentException("need " + batch + " last positions, had " + lastPositions.length);
        }
        var rows = new long[batch];
        for (int b = 0; b < batch; b++) {
            if (lastPositions[b] < 0 || lastPositions[b] >= length) {
                throw new IllegalArgumentException("last position " + lastPositions[b] + " outside 0.." + (length - 1));
            }
            rows[b] = (long) b * length + lastPositions[b];
        }
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = hidden(scope, hidden, batch, length).reshape(-1, architecture.dModel());
            NDArray last = x.get(scope, new NDIndex("{}", scope.create(rows)));
            return perRow(logits(weights, last).toFloatArray(), batch);
        }
    }

    @Override
    public void close() {
        manager.close();
    }

    private NDArray meanLoss(NDManager scope, Weights w, int[][] windows) {
        int context = architecture.context();
        checkWindows(windows);
        NDArray x = embed(w, byteIndices(scope, windows, 0, context), positions(scope, context));
        x = blocks(w, 0, architecture.layers(), x, selfAttention(scope, context));
        return crossEntropy(scope, w, x, windows);
    }

    private void checkWindows(int[][] windows) {
        int context = architecture.context();
        if (windows.length == 0) {
            throw new IllegalArgumentException("no windows");
        }
        for (int[] window : windows) {
            if (window.length != context + 1) {
                throw new IllegalArgumentException(
                        "a window holds context + 1 = " + (context + 1) + " bytes, had " + window.length);
            }
        }
    }

    /** The mean next-byte cross-entropy of the windows' targets given the last block's output {@code x}. */
    private NDArray crossEntropy(NDManager scope, Weights w, NDArray x, int[][] windows) {
        NDArray targets = byteIndices(scope, windows, 1, architecture.context()).oneHot(GptArchitecture.VOCABULARY);
        return logits(w, x)
                .logSoftmax(-1)
                .mul(targets)
                .sum(new int[] {-1})
                .neg()
                .mean();
    }

    /** A pipeline stage's training pass: its parameters' gradients, the gradient of its hidden input, the loss. */
    public record StageGradient(float[][] grads, float @Nullable [] inputGrad, double loss, int windows) {}

    /**
     * A training stage over {@code windows} ({@code [n][context + 1]} bytes), run on a network that holds the
     * stage's parameters: the embeddings of the windows' inputs when {@code embed}, else {@code hidden}
     * ({@code [n][context][dModel]}); then blocks {@code [fromBlock, toBlock)}; then, when {@code head}, the final
     * LayerNorm, the head and this slice's share ({@code n / batch}) of the batch's mean loss, which is
     * differentiated; otherwise {@code upstream}, the gradient of the stage's output, is carried back. Gradients of
     * {@code names}, in that order, and of the hidden input when {@code inputGrad}.
     */
    public StageGradient stageGradient(
            List<String> names,
            int fromBlock,
            int toBlock,
            boolean embed,
            boolean head,
            float @Nullable [] hidden,
            int[][] windows,
            float @Nullable [] upstream,
            int batch,
            boolean inputGrad) {
        checkWindows(windows);
        int context = architecture.context();
        try (NDManager scope = manager.newSubManager()) {
            var w = differentiable(scope, names);
            JniUtils.setGradMode(true);
            try {
                NDArray input = null;
                NDArray x;
                if (embed) {
                    x = embed(w, byteIndices(scope, windows, 0, context), positions(scope, context));
                } else {
                    input = hidden(scope, requireHidden(hidden), windows.length, context);
                    if (inputGrad) {
                        input.setRequiresGradient(true);
                    }
                    x = input;
                }
                x = blocks(w, fromBlock, toBlock, x, selfAttention(scope, context));
                double loss = 0;
                if (head) {
                    NDArray mean = crossEntropy(scope, w, x, windows);
                    // the factor lives in the scope until the backward pass has read it (see scale)
                    NDArray share = mean.mul(scope.create((float) windows.length / batch));
                    JniUtils.backward((PtNDArray) share, (PtNDArray) share.onesLike(), false, false);
                    loss = mean.getFloat();
                } else {
                    if (upstream == null) {
                        throw new IllegalArgumentException(
                                "a stage's backward needs the loss (last stage) or the gradient of its output");
                    }
                    JniUtils.backward((PtNDArray) x, (PtNDArray) scope.create(upstream, x.getShape()), false, false);
                }
                var grads = new float[names.size()][];
                for (int i = 0; i < grads.length; i++) {
                    grads[i] = w.get(names.get(i)).getGradient().toFloatArray();
                }
                float[] gradient =
                        input != null && inputGrad ? input.getGradient().toFloatArray() : null;
                return new StageGradient(grads, gradient, loss, windows.length);
            } finally {
                JniUtils.setGradMode(false);
            }
        }
    }

    /** A training stage's forward without gradients: hidden {@code [n][context][dModel]} out, as {@link #stageGradient} reads it. */
    public float[] stageForward(int fromBlock, int toBlock, boolean embed, float @Nullable [] hidden, int[][] windows) {
        try (NDManager scope = manager.newSubManager()) {
            return stageOutput(scope, fromBlock, toBlock, embed, hidden, windows)
                    .toFloatArray();
        }
    }

    /** A last training stage's mean loss over {@code windows}, without gradients (an evaluation). */
    public double stageLoss(int fromBlock, int toBlock, boolean embed, float @Nullable [] hidden, int[][] windows) {
        try (NDManager scope = manager.newSubManager()) {
            var x = stageOutput(scope, fromBlock, toBlock, embed, hidden, windows);
            return crossEntropy(scope, weights, x, windows).getFloat();
        }
    }

    /** The embeddings of the windows' inputs (or {@code hidden}) through blocks {@code [fromBlock, toBlock)}. */
    private NDArray stageOutput(
            NDManager scope, int fromBlock, int toBlock, boolean embed, float @Nullable [] hidden, int[][] windows) {
        checkWindows(windows);
        int context = architecture.context();
        NDArray x = embed
                ? embed(weights, byteIndices(scope, windows, 0, context), positions(scope, context))
                : hidden(scope, requireHidden(hidden), windows.length, context);
        return blocks(weights, fromBlock, toBlock, x, selfAttention(scope, context));
    }

    /**
     * Copies of the named parameters in {@code scope} that record their gradients: PyTorch accumulates a gradient on
     * the tensor itself, and several threads may differentiate through this network at once.
     */
    private Weights differentiable(NDManager scope, Collection<String> names) {
        var copies = new HashMap<String, NDArray>();
        for (String name : names) {
            NDArray copy = weights.get(name).duplicate();
            copy.attach(scope);
            copy.setRequiresGradient(true);
            copies.put(name, copy);
        }
        return new Weights(copies);
    }

    private static float[] requireHidden(float @Nullable [] hidden) {
        if (hidden == null) {
            throw new IllegalArgumentException("a stage that does not embed needs its hidden input");
        }
        return hidden;
    }

    /** {@code [n][length]} indices from {@code sequences[b][from..from+length)}, each a byte value. */
    private static NDArray byteIndices(NDManager scope, int[][] sequences, int from, int length) {
        var indices = new long[sequences.length * length];
        for (int b = 0; b < sequences.length; b++) {
            for (int t = 0; t < length; t++) {
                int token = sequences[b][from + t];
                if (token < 0 || token >= GptArchitecture.VOCABULARY) {
                    throw new IllegalArgumentException("token " + token + " is not a byte value");
                }
                indices[b * length + t] = token;
            }
        }
        return scope.create(indices, new Shape(sequences.length, length));
    }

    /** Positions {@code [1][length]}: 0, 1, ..., shared by every sequence. */
    private static NDArray positions(NDManager scope, int length) {
        var positions = new long[length];
        Arrays.setAll(positions, t -> t);
        return scope.create(positions, new Shape(1, length));
    }

    private NDArray hidden(NDManager scope, float[] hidden, int batch, int length) {
        if (batch < 1
                || length < 1
                || length > architecture.context()
                || hidden.length != (long) batch * length * architecture.dModel()) {
            throw new IllegalArgumentException("hidden holds " + hidden.length + " values, not [" + batch + "]["
                    + length + "][" + architecture.dModel() + "] within context " + architecture.context());
        }
        return scope.create(hidden, new Shape(batch, length, architecture.dModel()));
    }

    /** {@code 0} where a query may see a key, {@code -inf} after it: {@code [length][length]}. */
    static NDArray causalMask(NDManager scope, int length) {
        var mask = new float[length * length];
        for (int query = 0; query < length; query++) {
            Arrays.fill(mask, query * length + query + 1, (query + 1) * length, Float.NEGATIVE_INFINITY);
        }
        return scope.create(mask, new Shape(length, length));
    }

    private static NDArray embed(Weights w, NDArray tokens, NDArray positions) {
        NDArray tokenEmbeddings =
                Embedding.embedding(tokens, w.get(TOKENS), SparseFormat.DENSE).singletonOrThrow();
        return tokenEmbeddings.add(Embedding.embedding(positions, w.get(POSITIONS), SparseFormat.DENSE)
                .singletonOrThrow());
    }

    private NDArray blocks(Weights w, int from, int to, NDArray x, Attention attention) {
        for (int layer = from; layer < to; layer++) {
            x = block(w, layer, x, attention);
        }
        return x;
    }

    private NDArray block(Weights w, int layer, NDArray x, Attention attention) {
        String b = GptArchitecture.block(layer);
        NDList qkv = linear(w, b + "attention.qkv", layerNorm(w, b + "ln1", x)).split(3, 2);
        x = x.add(linear(w, b + "attention.out", attention.attend(layer, qkv.get(0), qkv.get(1), qkv.get(2))));
        NDArray hidden = Activation.gelu(linear(w, b + "mlp.fc", layerNorm(w, b + "ln2", x)));
        return x.add(linear(w, b + "mlp.proj", hidden));
    }

    /** Causal attention of each position over the fresh keys and values up to it. */
    private Attention selfAttention(NDManager scope, int length) {
        NDArray mask = causalMask(scope, length);
        NDArray scale = scale(scope);
        return (layer, queries, keys, values) -> attention(queries, keys, values, mask, scale);
    }

    /**
     * The attention scale {@code 1/sqrt(headSize)} as an array of the call's scope. Not {@code mul(float)}: DJL
     * makes that scalar from a direct buffer and closes it at once, while autograd keeps the scalar's memory to
     * differentiate the product; once the garbage collector frees the buffer, a backward pass reads freed memory.
     */
    private NDArray scale(NDManager scope) {
        return scope.create((float) (1 / Math.sqrt(architecture.headSize())));
    }

    /** Attention of queries {@code [B][Tq][d]} over keys and values {@code [B][Tk][d]}; mask broadcasts to {@code [B][heads][Tq][Tk]}. */
    private NDArray attention(NDArray queries, NDArray keys, NDArray values, NDArray mask, NDArray scale) {
        return attention(queries, keys, values, architecture.heads(), mask, scale);
    }

    /**
     * Attention of {@code heads} heads: queries {@code [B][Tq][heads·headSize]} over keys and values
     * {@code [B][Tk][heads·headSize]}, the heads side by side in the last dimension; out like the queries.
     */
    static NDArray attention(NDArray queries, NDArray keys, NDArray values, int heads, NDArray mask, NDArray scale) {
        return merge(headAttention(heads(queries, heads), heads(keys, heads), heads(values, heads), mask, scale));
    }

    /**
     * Attention of queries {@code [B][heads][Tq][headSize]} over keys and values {@code [B][heads][Tk][headSize]},
     * which may be strided views: matMul reads them in place.
     */
    private static NDArray headAttention(NDArray queries, NDArray keys, NDArray values, NDArray mask, NDArray scale) {
        NDArray scores = queries.matMul(keys.transpose(0, 1, 3, 2)).mul(scale).add(mask);
        return scores.softmax(-1).matMul(values);
    }

    /** {@code [B][T][heads·headSize]} to {@code [B][heads][T][headSize]}. */
    private NDArray heads(NDArray a) {
        return heads(a, architecture.heads());
    }

    private static NDArray heads(NDArray a, int heads) {
        Shape s = a.getShape();
        return a.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
    }

    /** {@code [B][heads][T][headSize]} to {@code [B][T][heads·headSize]}. */
    private static NDArray merge(NDArray a) {
        Shape s = a.getShape();
        return a.transpose(0, 2, 1, 3).reshape(s.get(0), s.get(2), s.get(1) * s.get(3));
    }

    /** torch's layer_norm over the last dimension, eps 1e-5. */
    static NDArray layerNorm(NDArray x, NDArray weight, NDArray bias) {
        Shape normalized = new Shape(x.getShape().get(x.getShape().dimension() - 1));
        return LayerNorm.layerNorm(x, normalized, weight, bias, LAYER_NORM_EPS).singletonOrThrow();
    }

    private static NDArray layerNorm(Weights w, String prefix, NDArray x) {
        return layerNorm(x, w.get(prefix + ".weight"), w.get(prefix + ".bias"));
    }

    private static NDArray linear(Weights w, String prefix, NDArray x) {
        return Linear.linear(x, w.get(prefix + ".weight"), w.get(prefix + ".bias"))
                .singletonOrThrow();
    }

    /** The final LayerNorm and the head tied to the token embedding. */
    private static NDArray logits(Weights w, NDArray x) {
        return Linear.linear(layerNorm(w, "final.ln", x), w.get(HEAD)).singletonOrThrow();
    }

    private static float[][] perRow(float[] flat, int rows) {
        var out = new float[rows][];
        int width = flat.length / rows;
        for (int r = 0; r < rows; r++) {
            out[r] = Arrays.copyOfRange(flat, r * width, (r + 1) * width);
        }
        return out;
    }

    private static Shape shape(int[] dims) {
        return new Shape(Arrays.stream(dims).asLongStream().toArray());
    }

    /** A block's attention: fresh queries, keys and values {@code [B][T][d]} in, attended values {@code [B][T][d]} out. */
    @FunctionalInterface
    private interface Attention {
        NDArray attend(int layer, NDArray queries, NDArray keys, NDArray values);
    }

    /** Parameters by name; a missing one is the caller's error, not the network's. */
    private record Weights(Map<String, NDArray> arrays) {
        NDArray get(String name) {
            NDArray array = arrays.get(name);
            if (array == null) {
                throw new IllegalStateException("this network does not hold parameter " + name);
            }
            return array;
        }
    }

    /**
     * Per layer a key and a value cache {@code [slots][heads][context][headSize]}, the layout attention reads. A
     * step writes each slot's new position, then attends over positions {@code 0..longest} of its slots, masking
     * each slot's positions past its own length. Where its slots fill most of the range {@code first..last}, it
     * reads the range as a view rather than copying their keys and values out (the copies cost far more than the
     * step's arithmetic), so a step costs one new position per sequence plus one read of the cached ones.
     */
    private final class Batch implements DecodeBatch {
        private final NDManager caches = manager.newSubManager();
        private final NDArray[] keys = new NDArray[architecture.layers()];
        private final NDArray[] values = new NDArray[architecture.layers()];
        private final int[] lengths;

        Batch(int slots) {
            var shape = new Shape(slots, architecture.heads(), architecture.context(), architecture.headSize());
            for (int layer = 0; layer < keys.length; layer++) {
                keys[layer] = caches.zeros(shape);
                values[layer] = caches.zeros(shape);
            }
            lengths = new int[slots];
        }

        @Override
        public float[] prefill(int slot, byte[] prompt) {
            return prefill(new int[] {slot}, new byte[][] {prompt})[0];
        }

        @Override
        public float[][] prefill(int[] slots, byte[][] prompts) {
            int batch = slots.length;
            if (batch == 0 || prompts.length != batch) {
                throw new IllegalArgumentException(
                        "need one prompt per slot, had " + batch + " slots and " + prompts.length + " prompts");
            }
            var seen = new boolean[lengths.length];
            int longest = 0;
            for (int b = 0; b < batch; b++) {
                checkSlot(slots[b]);
                if (seen[slots[b]]) {
                    throw new IllegalArgumentException("slot " + slots[b] + " given twice");
                }
                seen[slots[b]] = true;
                int n = prompts[b].length;
                if (n < 1 || n > architecture.context()) {
                    throw new IllegalArgumentException(
                            "a prompt holds 1.." + architecture.context() + " bytes, had " + n);
                }
                longest = Math.max(longest, n);
            }
            // right padding: causal attention keeps it out of every real position; its cache rows lie past the
            // sequence's length, masked in later steps and overwritten as the sequence grows
            var tokens = new int[batch][longest];
            var cacheSlots = new long[batch * longest];
            var cachePositions = new long[batch * longest];
            var last = new long[batch];
            for (int b = 0; b < batch; b++) {
                lengths[slots[b]] =
                        0; // a prefill that fails leaves its slots empty, not half overwritten and still counted
                for (int t = 0; t < prompts[b].length; t++) {
                    tokens[b][t] = prompts[b][t] & 0xFF;
                }
                for (int t = 0; t < longest; t++) {
                    cacheSlots[b * longest + t] = slots[b];
                    cachePositions[b * longest + t] = t;
                }
                last[b] = (long) b * longest + prompts[b].length - 1;
            }
            int length = longest;
            try (NDManager scope = manager.newSubManager()) {
                NDIndex written = new NDIndex("{}, :, {}", scope.create(cacheSlots), scope.create(cachePositions));
                Attention causal = selfAttention(scope, length);
                Attention store = (layer, q, k, v) -> {
                    write(keys[layer], written, k);
                    write(values[layer], written, v);
                    return causal.attend(layer, q, k, v);
                };
                NDArray x = embed(weights, byteIndices(scope, tokens, 0, length), positions(scope, length));
                x = blocks(weights, 0, architecture.layers(), x, store);
                NDArray lastRows =
                        x.reshape(-1, architecture.dModel()).get(scope, new NDIndex("{}", scope.create(last)));
                float[][] next = perRow(logits(weights, lastRows).toFloatArray(), batch);
                for (int b = 0; b < batch; b++) {
                    lengths[slots[b]] = prompts[b].length;
                }
                return next;
            }
        }

        @Override
        public float[][] step(int[] slots, int[] tokens) {
            int batch = slots.length;
            if (batch == 0 || tokens.length != batch) {
                throw new IllegalArgumentException(
                        "need one token per slot, had " + batch + " slots and " + tokens.length + " tokens");
            }
            var seen = new boolean[lengths.length];
            for (int slot : slots) {
                checkSlot(slot);
                if (seen[slot]) {
                    throw new IllegalArgumentException("slot " + slot + " given twice");
                }
                seen[slot] = true;
                if (lengths[slot] >= architecture.context()) {
                    throw new IllegalStateException("slot " + slot + " is full: " + lengths[slot] + " positions");
                }
            }
            int span = Arrays.stream(slots).map(slot -> lengths[slot] + 1).max().orElseThrow();
            int first = Arrays.stream(slots).min().orElseThrow();
            int last = Arrays.stream(slots).max().orElseThrow();
            // Attention runs a row per attended slot. first..last is read as a view (basic slicing, no copy): a slot
            // in it that is not stepped borrows the step's first query, writes nothing and has its output dropped;
            // its mask, like every row's, keeps position 0, so no row of scores is all -inf. Once such slots are more
            // than half as many as the step's own, copying out just the step's slots costs less (measured).
            boolean view = 2 * (last - first + 1 - batch) <= batch;
            int[] attended = view ? IntStream.rangeClosed(first, last).toArray() : slots;
            int rows = attended.length;
            var rowOfSlot = new int[lengths.length];
            var mask = new float[rows * span];
            for (int r = 0; r < rows; r++) {
                rowOfSlot[attended[r]] = r;
                Arrays.fill(
                        mask,
                        r * span + Math.min(lengths[attended[r]] + 1, span),
                        (r + 1) * span,
                        Float.NEGATIVE_INFINITY);
            }
            var rowOf = new long[batch];
            var queryOf = new long[rows];
            var positions = new long[batch];
            for (int b = 0; b < batch; b++) {
                rowOf[b] = rowOfSlot[slots[b]];
                queryOf[rowOfSlot[slots[b]]] = b;
                positions[b] = lengths[slots[b]];
            }
            try (NDManager scope = manager.newSubManager()) {
                NDArray stepped =
                        scope.create(Arrays.stream(slots).asLongStream().toArray());
                NDIndex written = new NDIndex("{}, :, {}", stepped, scope.create(positions));
                NDIndex cached = view
                        ? new NDIndex().addSliceDim(first, last + 1).addAllDim().addSliceDim(0, span)
                        : new NDIndex("{}, :, :" + span, stepped);
                NDIndex byRow = new NDIndex("{}", scope.create(queryOf));
                NDIndex bySlot = new NDIndex("{}", scope.create(rowOf));
                NDArray maskArray = scope.create(mask, new Shape(rows, 1, 1, span));
                NDArray scale = scale(scope);
                Attention attention = (layer, q, k, v) -> {
                    write(keys[layer], written, k);
                    write(values[layer], written, v);
                    NDArray out = headAttention(
                            heads(q.get(scope, byRow)),
                            keys[layer].get(scope, cached),
                            values[layer].get(scope, cached),
                            maskArray,
                            scale);
                    return merge(out).get(scope, bySlot);
                };
                // one new position per sequence: tokens [batch][1] at each sequence's own position
                NDArray x = embed(
                        weights,
                        byteIndices(scope, new int[][] {tokens}, 0, batch).reshape(batch, 1),
                        scope.create(positions, new Shape(batch, 1)));
                x = blocks(weights, 0, architecture.layers(), x, attention);
                float[][] next = perRow(logits(weights, x).toFloatArray(), batch);
                for (int slot : slots) {
                    lengths[slot]++;
                }
                return next;
            }
        }

        @Override
        public int length(int slot) {
            checkSlot(slot);
            return lengths[slot];
        }

        @Override
        public void release(int slot) {
            checkSlot(slot);
            lengths[slot] = 0;
        }

        @Override
        public void close() {
            caches.close();
        }

        private void checkSlot(int slot) {
            if (slot < 0 || slot >= lengths.length) {
                throw new IllegalArgumentException("slot " + slot + " outside 0.." + (lengths.length - 1));
            }
        }

        /** Stores fresh keys or values {@code [B][T][d]} at {@code written}: (slot, all heads, position) per row of {@code B·T}. */
        private void write(NDArray cache, NDIndex written, NDArray fresh) {
            cache.set(written, fresh.reshape(-1, architecture.heads(), architecture.headSize()));
        }
    }
}
