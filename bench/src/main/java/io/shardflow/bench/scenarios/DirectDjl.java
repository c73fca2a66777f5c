package io.shardflow.bench.scenarios;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;

/**
 * The references measured in the bench's own JVM: the inference workload's MLP run directly on DJL's PyTorch
 * engine, loaded as the worker loads it (offline, one intra-op thread, one inter-op thread), on {@code threads}
 * threads as the worker's lanes; and the fp32 matmul rate of the same threads, the machine's ceiling.
 */
final class DirectDjl {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    /** Cores the bench's process kept busy during the last measurement: CPU time over wall time. */
    static volatile double lastCoresBusy;
    /** Rows per forward pass: the worker's default {@code batch-rows}. */
    static final int WINDOW_ROWS = 8192;

    private static final int MATMUL = 1024;
    private static @Nullable Engine engine;

    private DirectDjl() {}

    static synchronized Engine engine() {
        var loaded = engine;
        if (loaded == null) {
            System.setProperty("ai.djl.offline", "true");
            System.setProperty("ai.djl.pytorch.num_threads", "1");
            System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
            loaded = Engine.getEngine("PyTorch");
            engine = loaded;
        }
        return loaded;
    }

    /**
     * Rows per second of {@code threads} threads that each run the forward pass over {@code rows / threads} rows in
     * windows of {@link #WINDOW_ROWS}: each window is created from a Java array and read back into one, like the
     * worker's, but its input is made once (no database read, no feature scaling).
     */
    static double forwardRowsPerSecond(int threads, long rows) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (NDManager manager = engine().newBaseManager()) {
            var random = new SplittableRandom(1);
            int[] layers = InferenceWorkload.LAYERS;
            var weights = new NDArray[layers.length - 1];
            var biases = new NDArray[layers.length - 1];
            for (int i = 0; i + 1 < layers.length; i++) {
                float scale = (float) Math.sqrt(2.0 / layers[i]);
                weights[i] = manager.create(
                        randoms(random, layers[i + 1] * layers[i], scale), new Shape(layers[i + 1], layers[i]));
                biases[i] = manager.create(randoms(random, layers[i + 1], 0.01f), new Shape(layers[i + 1]));
            }
            var input = randoms(random, WINDOW_ROWS * InferenceWorkload.INPUTS, 1);
            // warm-up: a few windows on every thread
            onThreads(pool, threads, t -> {
                for (int w = 0; w < 3; w++) {
                    forward(manager, weights, biases, input, WINDOW_ROWS);
                }
                return null;
            });
            long cpu = OS.getProcessCpuTime();
            long started = System.nanoTime();
            onThreads(pool, threads, t -> {
                long from = rows * t / threads;
                long to = rows * (t + 1) / threads;
                for (long r = from; r < to; r += WINDOW_ROWS) {
                    forward(manager, weights, biases, input, (int) Math.min(WINDOW_ROWS, to - r));
                }
                return null;
            });
            long elapsed = System.nanoTime() - started;
            lastCoresBusy = (OS.getProcessCpuTime() - cpu) / (double) elapsed;
            return rows / (elapsed / 1e9);
        } finally {
            pool.shutdown();
        }
    }

    /** The fp32 GFLOP/s of {@code threads} threads each multiplying 1024 × 1024 matrices for about {@code seconds}. */
    static double matmulGflops(int threads, double seconds) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (NDManager manager = engine().newBaseManager()) {
            var random = new SplittableRandom(2);
            var a = manager.create(randoms(random, MATMUL * MATMUL, 1), new Shape(MATMUL, MATMUL));
            var b = manager.create(randoms(random, MATMUL * MATMUL, 1), new Shape(MATMUL, MATMUL));
            onThreads(pool, threads, t -> {
                for (int i = 0; i < 3; i++) {
                    a.matMul(b).close();
                }
                return null;
            });
            long cpu = OS.getProcessCpuTime();
            long started = System.nanoTime();
            long deadline = started + (long) (seconds * 1e9);
            long products = onThreads(pool, threads, t -> {
                long n = 0;
                while (System.nanoTime() < deadline) {
                    a.matMul(b).close();
                    n++;
                }
                return n;
            });
            double elapsed = (System.nanoTime() - started) / 1e9;
            lastCoresBusy = (OS.getProcessCpuTime() - cpu) / 1e9 / elapsed;
            return products * 2.0 * MATMUL * MATMUL * MATMUL / elapsed / 1e9;
        } finally {
            pool.shutdown();
        }
    }

    private static float[] forward(NDManager manager, NDArray[] weights, NDArray[] biases, float[] input, int rows) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray a = scope.create(input, new Shape(WINDOW_ROWS, InferenceWorkload.INPUTS));
            if (rows < WINDOW_ROWS) {
                a = a.get("0:" + rows);
            }
            for (int i = 0; i < weights.length; i++) {
                a = Linear.linear(a, weights[i], biases[i]).singletonOrThrow();
                if (i + 1 < weights.length) {
                    a = Activation.relu(a);
                }
            }
            return a.toFloatArray();
        }
    }

    /** One thread's share of the work; a numeric answer is summed, null is none. */
    private interface Work {
        @Nullable
        Object run(int thread) throws Exception;
    }

    /** Runs {@code work} on {@code threads} threads of the pool, released together; the sum of their numeric answers. */
    private static long onThreads(ExecutorService pool, int threads, Work work) throws Exception {
        var start = new CountDownLatch(1);
        var futures = new ArrayList<Future<Object>>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            futures.add(pool.submit((Callable<Object>) () -> {
                start.await();
                return work.run(thread);
            }));
        }
        start.countDown();
        long sum = 0;
        for (var f : futures) {
            if (f.get() instanceof Number n) {
                sum += n.longValue();
            }
        }
        return sum;
    }

    private static float[] randoms(SplittableRandom random, int n, float scale) {
        var values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (random.nextDouble(-1, 1) * scale);
        }
        return values;
    }
}
