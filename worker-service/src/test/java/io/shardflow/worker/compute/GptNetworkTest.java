package io.shardflow.worker.compute;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.tensors.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GptNetworkTest {
    private static final GptArchitecture SMALL = new GptArchitecture(2, 4, 32, 16);
    private static final float CLOSE = 1e-4f;

    private static Engine engine;
    private static Map<String, Tensor> parameters;
    private static GptNetwork network;

    @BeforeAll
    static void load() {
        engine = Engine.getEngine("PyTorch");
        parameters = randomParameters(SMALL, 7);
        network = new GptNetwork(engine, Device.cpu(), SMALL, parameters);
    }

    @AfterAll
    static void close() {
        network.close();
    }

    @Test
    void matchesAPlainJavaForward() {
        int[] tokens = {104, 101, 108, 108, 111, 0, 255, 32, 119, 33};
        var sequence = Arrays.stream(tokens).boxed().toList();
        double[] expected = referenceLogits(parameters, SMALL, tokens);
        float[] actual = fullLogits(network, sequence);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5, "logit " + i);
        }
    }

    @Test
    void cachedDecodingMatchesFullRecompute() {
        var random = new Random(1);
        var sequence = new ArrayList<Integer>(List.of(72, 105, 33, 0, 255));
        try (var batch = network.newBatch(3)) {
            float[] logits = batch.prefill(1, bytes(sequence));
            assertArrayEquals(fullLogits(network, sequence), logits, CLOSE);
            while (sequence.size() < SMALL.context()) {
                int token = random.nextInt(256);
                sequence.add(token);
                logits = batch.step(new int[] {1}, new int[] {token})[0];
                assertArrayEquals(
                        fullLogits(network, sequence), logits, CLOSE, "after " + sequence.size() + " positions");
            }
            assertEquals(SMALL.context(), batch.length(1));
            var full = assertThrows(IllegalStateException.class, () -> batch.step(new int[] {1}, new int[] {0}));
            assertTrue(full.getMessage().contains("slot 1"), full.getMessage());
        }
    }

    /** Five sequences decoded alone and then together, one joining late into a slot freed by one released early. */
    @Test
    void batchedDecodingMatchesDecodingAlone() {
        var random = new Random(2);
        int[] promptLengths = {1, 3, 4, 7, 2};
        var prompts = new byte[promptLengths.length][];
        for (int s = 0; s < prompts.length; s++) {
            prompts[s] = new byte[promptLengths[s]];
            random.nextBytes(prompts[s]);
        }
        int steps = 8;
        var alone = new float[prompts.length][][];
        for (int s = 0; s < prompts.length; s++) {
            try (var batch = network.newBatch(1)) {
                alone[s] = new float[steps + 1][];
                alone[s][0] = batch.prefill(0, prompts[s]);
                for (int i = 1; i <= steps; i++) {
                    alone[s][i] = batch.step(new int[] {0}, new int[] {argMax(alone[s][i - 1])})[0];
                }
            }
        }

        int released = 2;
        int late = 4;
        int[] slotOf = {6, 0, 3, 5, -1};
        var together = new float[prompts.length][steps + 1][];
        var taken = new int[prompts.length];
        try (var batch = network.newBatch(8)) {
            for (int s = 0; s < prompts.length; s++) {
                if (s != late) {
                    together[s][0] = batch.prefill(slotOf[s], prompts[s]);
                }
            }
            for (int round = 0; ; round++) {
                if (round == 2) {
                    batch.release(slotOf[released]);
                }
                if (round == 3) {
                    slotOf[late] = slotOf[released];
                    together[late][0] = batch.prefill(slotOf[late], prompts[late]);
                }
                var active = new ArrayList<Integer>();
                for (int s = 0; s < prompts.length; s++) {
                    boolean gone = s == released && round >= 2;
                    boolean notYet = s == late && round < 3;
                    if (!gone && !notYet && taken[s] < steps) {
                        active.add(s);
                    }
                }
                if (active.isEmpty()) {
                    break;
                }
                if (round % 2 == 1) {
                    active = new ArrayList<>(active.reversed());
                }
                int[] slots = active.stream().mapToInt(s -> slotOf[s]).toArray();
                int[] tokens = active.stream()
                        .mapToInt(s -> argMax(together[s][taken[s]]))
                        .toArray();
                float[][] logits = batch.step(slots, tokens);
                for (int i = 0; i < active.size(); i++) {
                    int s = active.get(i);
                    together[s][++taken[s]] = logits[i];
                }
            }
            assertEquals(promptLengths[late] + steps, batch.length(slotOf[late]));
        }

        assertEquals(2, taken[released]);
        for (int s = 0; s < prompts.length; s++) {
            for (int i = 0; i <= taken[s]; i++) {
                assertArrayEquals(alone[s][i], together[s][i], CLOSE, "sequence " + s + " position " + i);
                assertEquals(argMax(alone[s][i]), argMax(together[s][i]), "greedy byte of sequence " + s);
            }
        }
    }

    /**
     * Steps over subsets of the slots, with gaps between them and in any order, decode each stepped slot as if alone
     * and leave the others as they were: an empty slot and a longer one inside a step's range, a sparse step.
     */
    @Test
    void stepsOverSubsetsLeaveTheOtherSlotsAlone() {
        var random = new Random(22);
        int[] promptLengths = {3, 6, 2, 4, 1, 5, 2, 3};
        var sequences = new ArrayList<List<Integer>>();
        var prompts = new byte[promptLengths.length][];
        for (int s = 0; s < prompts.length; s++) {
            prompts[s] = new byte[promptLengths[s]];
            random.nextBytes(prompts[s]);
            sequences.add(new ArrayList<>());
            for (byte b : prompts[s]) {
                sequences.get(s).add(b & 0xFF);
            }
        }
        int[] all = {0, 1, 2, 3, 4, 5, 6, 7};
        int[][] rounds = {{2, 4}, {2, 0}, {6, 1}, {7, 5, 6}, all};
        try (var batch = network.newBatch(all.length)) {
            float[][] next = batch.prefill(all, prompts);
            batch.release(3);
            for (int round = 0; round < rounds.length; round++) {
                if (round == 3) {
                    sequences.set(3, new ArrayList<>(List.of(7, 8)));
                    next[3] = batch.prefill(3, bytes(sequences.get(3)));
                }
                int[] slots = rounds[round];
                int[] tokens = Arrays.stream(slots).map(s -> argMax(next[s])).toArray();
                float[][] logits = batch.step(slots, tokens);
                for (int i = 0; i < slots.length; i++) {
                    var sequence = sequences.get(slots[i]);
                    sequence.add(tokens[i]);
                    next[slots[i]] = logits[i];
                    assertArrayEquals(
                            fullLogits(network, sequence), logits[i], CLOSE, "slot " + slots[i] + " in round " + round);
                }
            }
            for (int s : all) {
                assertEquals(sequences.get(s).size(), batch.length(s), "slot " + s);
            }
        }
    }

    @Test
    void stagesCompose() {
        int[][] tokens = {{1, 2, 3, 4, 5}, {200, 100}};
        int length = 5;
        float[] embedded = network.embed(tokens, length);
        float[] whole = network.blocks(0, 2, embedded, 2, length);
        float[] staged = network.blocks(1, 2, network.blocks(0, 1, embedded, 2, length), 2, length);
        assertArrayEquals(whole, staged, 1e-5f);

        var block1 = new HashMap<String, Tensor>();
        parameters.forEach((name, tensor) -> {
            if (name.startsWith(GptArchitecture.block(1))) {
                block1.put(name, tensor);
            }
        });
        float[] afterBlock0 = network.blocks(0, 1, embedded, 2, length);
        try (var stage = new GptNetwork(engine, Device.cpu(), SMALL, block1)) {
            assertArrayEquals(whole, stage.blocks(1, 2, afterBlock0, 2, length), 1e-5f);
            var missing = assertThrows(IllegalStateException.class, () -> stage.embed(tokens, length));
            assertTrue(missing.getMessage().contains("tokens.weight"), missing.getMessage());
            assertThrows(IllegalStateException.class, () -> stage.blocks(0, 1, embedded, 2, length));
            assertThrows(IllegalStateException.class, () -> stage.gradient(windows(new Random(3), 1)));
        }

        // a sequence's logits at its last real position do not depend on the padding after it
        float[][] padded = network.head(whole, 2, length, new int[] {4, 1});
        var shortOnly = new ArrayList<Integer>(List.of(200, 100));
        assertArrayEquals(fullLogits(network, shortOnly), padded[1], CLOSE);
    }

    /**
     * Central differences of the float32 loss at the largest gradient of each checked range (so the check is not
     * vacuous): the query, key and value rows of a qkv weight, the token embedding, the head, a LayerNorm gain.
     */
    @Test
    void gradientMatchesFiniteDifferences() {
        int[][] windows = windows(new Random(4), 3);
        var gradient = network.gradient(windows);
        assertEquals(network.loss(windows), gradient.loss(), 1e-5);
        assertEquals(3, gradient.windows());

        var names = new ArrayList<>(SMALL.parameterShapes().keySet());
        assertEquals(names.size(), gradient.grads().length);
        int square = SMALL.dModel() * SMALL.dModel();
        record Range(String name, int from, int to) {}
        var ranges = List.of(
                new Range("blocks.0.attention.qkv.weight", 0, square),
                new Range("blocks.0.attention.qkv.weight", square, 2 * square),
                new Range("blocks.0.attention.qkv.weight", 2 * square, 3 * square),
                new Range("tokens.weight", 0, 256 * SMALL.dModel()),
                new Range("head.weight", 0, 256 * SMALL.dModel()),
                new Range("blocks.1.ln1.weight", 0, SMALL.dModel()));
        float epsilon = 1e-2f;
        for (var range : ranges) {
            float[] grad = gradient.grads()[names.indexOf(range.name())];
            assertEquals(parameters.get(range.name()).data().length, grad.length);
            int index = largest(grad, range.from(), range.to());
            double up = lossWith(range.name(), index, epsilon, windows);
            double down = lossWith(range.name(), index, -epsilon, windows);
            double numeric = (up - down) / (2 * epsilon);
            assertEquals(numeric, grad[index], 2e-2 * Math.abs(numeric) + 1e-4, range.name() + "[" + index + "]");
        }
    }

    @Test
    void uniformModelLosesLn256() {
        var zeros = new HashMap<String, Tensor>();
        SMALL.parameterShapes()
                .forEach((name, shape) ->
                        zeros.put(name, new Tensor(shape, new float[(int) Tensor.elementCount(shape)])));
        try (var uniform = new GptNetwork(engine, Device.cpu(), SMALL, zeros)) {
            int[][] windows = windows(new Random(5), 2);
            assertEquals(Math.log(256), uniform.loss(windows), 1e-5);
            assertEquals(Math.log(256), uniform.gradient(windows).loss(), 1e-5);
        }
    }

    @Test
    void sgdLearnsARepeatedString() {
        byte[] text = "the cat sat on the mat. ".repeat(8).getBytes(StandardCharsets.US_ASCII);
        int[][] windows = new int[8][SMALL.context() + 1];
        for (int w = 0; w < windows.length; w++) {
            for (int t = 0; t <= SMALL.context(); t++) {
                windows[w][t] = text[w * 3 + t];
            }
        }
        var names = new ArrayList<>(SMALL.parameterShapes().keySet());
        var current = new LinkedHashMap<String, Tensor>();
        parameters.forEach((name, tensor) ->
                current.put(name, new Tensor(tensor.shape(), tensor.data().clone())));
        double first = Double.NaN;
        double last = Double.NaN;
        for (int step = 0; step < 300; step++) {
            try (var model = new GptNetwork(engine, Device.cpu(), SMALL, current)) {
                var gradient = model.gradient(windows);
                first = step == 0 ? gradient.loss() : first;
                last = gradient.loss();
                for (int p = 0; p < names.size(); p++) {
                    float[] data = current.get(names.get(p)).data();
                    float[] grad = gradient.grads()[p];
                    for (int i = 0; i < data.length; i++) {
                        data[i] -= 0.3f * grad[i];
                    }
                }
            }
        }
        assertTrue(first > 4, "initial loss " + first);
        assertTrue(last < 1.0, "loss went from " + first + " to " + last);
    }

    @Test
    void concurrentCallsMatchSequentialOnes() throws Exception {
        int[][] a = windows(new Random(6), 2);
        int[][] b = windows(new Random(7), 3);
        double lossA = network.loss(a);
        var gradientB = network.gradient(b);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<Void> losses = () -> {
                for (int i = 0; i < 20; i++) {
                    assertEquals(lossA, network.loss(a), 1e-6);
                }
                return null;
            };
            Callable<Void> gradients = () -> {
                for (int i = 0; i < 20; i++) {
                    var again = network.gradient(b);
                    assertEquals(gradientB.loss(), again.loss(), 1e-6);
                    for (int p = 0; p < again.grads().length; p++) {
                        assertArrayEquals(gradientB.grads()[p], again.grads()[p], 1e-6f);
                    }
                }
                return null;
            };
            List<Future<Void>> results = pool.invokeAll(List.of(losses, gradients, losses, gradients));
            for (var result : results) {
                result.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A gradient is the same to the bit whenever the garbage collector runs. Autograd keeps what it differentiates
     * through until the backward pass; an array DJL made from Java values and closed before then (as it closes the
     * scalar of {@code mul(float)}) leaves autograd its direct buffer, which a collection between forward and
     * backward frees: the gradient then reads freed memory. One lane's collection lands in another lane's pass.
     */
    @Test
    void gradientsDoNotDependOnWhenTheGarbageCollectorRuns() throws Exception {
        int[][] batch = windows(new Random(8), 4);
        var expected = network.gradient(batch);
        var collecting = new AtomicBoolean(true);
        Thread collector = Thread.ofPlatform().daemon().start(() -> {
            while (collecting.get()) {
                System.gc();
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<Void> gradients = () -> {
                for (int i = 0; i < 8; i++) {
                    var again = network.gradient(batch);
                    assertEquals(expected.loss(), again.loss());
                    for (int p = 0; p < again.grads().length; p++) {
                        assertArrayEquals(expected.grads()[p], again.grads()[p], "call " + i + ", parameter " + p);
                    }
                }
                return null;
            };
            for (var result : pool.invokeAll(List.of(gradients, gradients))) {
                result.get();
            }
        } finally {
            collecting.set(false);
            pool.shutdownNow();
            collector.join();
        }
    }

    /** Prompts of different lengths prefilled in one padded pass equal each prefilled alone, and decode on alike. */
    @Test
    void batchedPrefillEqualsOneByOne() {
        var random = new Random(21);
        byte[][] prompts = new byte[4][];
        for (int i = 0; i < prompts.length; i++) {
            prompts[i] = new byte[1 + random.nextInt(SMALL.context() - 4)];
            random.nextBytes(prompts[i]);
        }
        try (var together = network.newBatch(6);
                var alone = network.newBatch(6)) {
            int[] slots = {5, 0, 3, 1};
            float[][] batched = together.prefill(slots, prompts);
            int[] tokens = new int[slots.length];
            for (int i = 0; i < slots.length; i++) {
                assertArrayEquals(alone.prefill(slots[i], prompts[i]), batched[i], CLOSE);
                assertEquals(prompts[i].length, together.length(slots[i]));
                tokens[i] = argMax(batched[i]);
            }
            float[][] next = together.step(slots, tokens);
            for (int i = 0; i < slots.length; i++) {
                assertArrayEquals(alone.step(new int[] {slots[i]}, new int[] {tokens[i]})[0], next[i], CLOSE);
            }
        }
    }

    private double lossWith(String name, int index, float delta, int[][] windows) {
        var changed = new HashMap<>(parameters);
        var tensor = parameters.get(name);
        float[] data = tensor.data().clone();
        data[index] += delta;
        changed.put(name, new Tensor(tensor.shape(), data));
        try (var model = new GptNetwork(engine, Device.cpu(), SMALL, changed)) {
            return model.loss(windows);
        }
    }

    /** The index in {@code [from, to)} of the value largest in magnitude. */
    private static int largest(float[] values, int from, int to) {
        int best = from;
        for (int i = from + 1; i < to; i++) {
            if (Math.abs(values[i]) > Math.abs(values[best])) {
                best = i;
            }
        }
        return best;
    }

    /** Gaussian × 0.2 weights, LayerNorm gains near 1: attention that is far from uniform. */
    private static Map<String, Tensor> randomParameters(GptArchitecture architecture, long seed) {
        var random = new Random(seed);
        var tensors = new LinkedHashMap<String, Tensor>();
        architecture.parameterShapes().forEach((name, shape) -> {
            var data = new float[(int) Tensor.elementCount(shape)];
            boolean gain = name.endsWith("ln1.weight") || name.endsWith("ln2.weight") || name.endsWith("ln.weight");
            for (int i = 0; i < data.length; i++) {
                data[i] = (gain ? 1 : 0) + (float) random.nextGaussian() * (gain ? 0.1f : 0.2f);
            }
            tensors.put(name, new Tensor(shape, data));
        });
        return tensors;
    }

    private static int[][] windows(Random random, int n) {
        var windows = new int[n][SMALL.context() + 1];
        for (int[] window : windows) {
            Arrays.setAll(window, t -> random.nextInt(256));
        }
        return windows;
    }

    /**
     * The architecture written out in plain Java doubles, independent of DJL: the parameter layout and math the
     * network must follow. Returns the next-byte logits after {@code tokens}.
     */
    private static double[] referenceLogits(Map<String, Tensor> p, GptArchitecture a, int[] tokens) {
        int d = a.dModel();
        int length = tokens.length;
        int headSize = a.headSize();
        var x = new double[length][d];
        for (int t = 0; t < length; t++) {
            for (int i = 0; i < d; i++) {
                x[t][i] = p.get("tokens.weight").get(tokens[t], i)
                        + p.get("positions.weight").get(t, i);
            }
        }
        for (int layer = 0; layer < a.layers(); layer++) {
            String b = GptArchitecture.block(layer);
            var qkv = new double[length][];
            for (int t = 0; t < length; t++) {
                qkv[t] = affine(p, b + "attention.qkv", referenceLayerNorm(p, b + "ln1", x[t]));
            }
            for (int t = 0; t < length; t++) {
                var attended = new double[d];
                for (int head = 0; head < a.heads(); head++) {
                    int offset = head * headSize;
                    var weights = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int u = 0; u <= t; u++) {
                        for (int j = 0; j < headSize; j++) {
                            weights[u] += qkv[t][offset + j] * qkv[u][d + offset + j];
                        }
                        weights[u] /= Math.sqrt(headSize);
                        max = Math.max(max, weights[u]);
                    }
                    double sum = 0;
                    for (int u = 0; u <= t; u++) {
                        weights[u] = Math.exp(weights[u] - max);
                        sum += weights[u];
                    }
                    for (int u = 0; u <= t; u++) {
                        for (int j = 0; j < headSize; j++) {
                            attended[offset + j] += weights[u] / sum * qkv[u][2 * d + offset + j];
                        }
                    }
                }
                add(x[t], affine(p, b + "attention.out", attended));
            }
            for (int t = 0; t < length; t++) {
                double[] hidden = affine(p, b + "mlp.fc", referenceLayerNorm(p, b + "ln2", x[t]));
                for (int i = 0; i < hidden.length; i++) {
                    hidden[i] = hidden[i] * 0.5 * (1 + erf(hidden[i] / Math.sqrt(2)));
                }
                add(x[t], affine(p, b + "mlp.proj", hidden));
            }
        }
        double[] h = referenceLayerNorm(p, "final.ln", x[length - 1]);
        var logits = new double[GptArchitecture.VOCABULARY];
        for (int v = 0; v < logits.length; v++) {
            for (int i = 0; i < d; i++) {
                logits[v] += p.get("head.weight").get(v, i) * h[i];
            }
        }
        return logits;
    }

    /** {@code W·x + b} with {@code W [out][in]}. */
    private static double[] affine(Map<String, Tensor> p, String prefix, double[] x) {
        Tensor w = p.get(prefix + ".weight");
        float[] bias = p.get(prefix + ".bias").data();
        var y = new double[w.shape()[0]];
        for (int o = 0; o < y.length; o++) {
            y[o] = bias[o];
            for (int i = 0; i < x.length; i++) {
                y[o] += w.get(o, i) * x[i];
            }
        }
        return y;
    }

    private static double[] referenceLayerNorm(Map<String, Tensor> p, String prefix, double[] x) {
        double mean = Arrays.stream(x).average().orElseThrow();
        double variance =
                Arrays.stream(x).map(v -> (v - mean) * (v - mean)).average().orElseThrow();
        float[] gain = p.get(prefix + ".weight").data();
        float[] bias = p.get(prefix + ".bias").data();
        var y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = (x[i] - mean) / Math.sqrt(variance + 1e-5) * gain[i] + bias[i];
        }
        return y;
    }

    private static void add(double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            x[i] += y[i];
        }
    }

    /** Abramowitz and Stegun 7.1.26, error under 1.5e-7: with the 1e-5 tolerance, tells exact GELU from the tanh form. */
    private static double erf(double z) {
        double t = 1 / (1 + 0.3275911 * Math.abs(z));
        double poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        return Math.signum(z) * (1 - poly * Math.exp(-z * z));
    }

    /** The next-byte logits after {@code sequence}, recomputed through the pipeline-stage methods. */
    private static float[] fullLogits(GptNetwork model, List<Integer> sequence) {
        int length = sequence.size();
        int[][] tokens = {sequence.stream().mapToInt(Integer::intValue).toArray()};
        float[] hidden = model.blocks(0, SMALL.layers(), model.embed(tokens, length), 1, length);
        return model.head(hidden, 1, length, new int[] {length - 1})[0];
    }

    private static byte[] bytes(List<Integer> values) {
        var bytes = new byte[values.size()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (int) values.get(i);
        }
        return bytes;
    }

    private static int argMax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
