package io.shardflow.core.training;

import io.shardflow.core.InvalidSpecException;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The data order of a gpt training job: the text's first bytes train, its last {@code validationSplit} validate.
 * Global batch {@code step} is {@code batchSize} windows of {@code context + 1} bytes starting at seeded random
 * offsets of the training part; validation uses fixed, evenly spaced, non-overlapping windows of the held-out
 * tail. A data shard owns a contiguous byte range and computes the windows that start inside it, so it reads its
 * range plus the {@code context} bytes after it.
 */
public final class TextSchedule {
    /** Enough windows to measure the validation loss well, few enough to keep an evaluation round short. */
    public static final int MAX_VALIDATION_WINDOWS = 256;

    private final long seed;
    private final int batchSize;
    private final int window;
    private final long trainingEnd;
    private final long bytes;

    public TextSchedule(long bytes, double validationSplit, long seed, int batchSize, int context) {
        this.seed = seed;
        this.batchSize = batchSize;
        this.window = context + 1;
        this.bytes = bytes;
        long validation = Math.round(validationSplit * bytes);
        this.trainingEnd = bytes - validation;
        InvalidSpecException.require(
                trainingEnd >= window,
                "dataset.id",
                "the text's training part has " + trainingEnd + " bytes, fewer than one window of context + 1 = "
                        + window + " bytes");
        InvalidSpecException.require(
                validation == 0 || validation >= window,
                "training.validationSplit",
                "holds out " + validation + " bytes, fewer than one window of " + window + " bytes");
    }

    public long trainingBytes() {
        return trainingEnd;
    }

    /** One epoch: as many windows as it takes to see the training bytes once, on average. */
    public int stepsPerEpoch() {
        long perStep = (long) batchSize * (window - 1);
        return (int) Math.max(1, (trainingEnd + perStep - 1) / perStep);
    }

    /** The start offsets of global batch {@code step}'s windows. */
    public long[] batch(int step) {
        var random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + step);
        long[] starts = new long[batchSize];
        long bound = trainingEnd - window + 1;
        for (int i = 0; i < batchSize; i++) {
            starts[i] = random.nextLong(bound);
        }
        return starts;
    }

    /** The start offsets of the validation windows (none without a held-out part). */
    public long[] validationWindows() {
        long available = bytes - trainingEnd;
        int count = (int) Math.min(MAX_VALIDATION_WINDOWS, available / window);
        if (count == 0) {
            return new long[0];
        }
        long stride = count == 1 ? window : Math.max(window, (available - window) / (count - 1));
        long[] starts = new long[count];
        for (int i = 0; i < count; i++) {
            starts[i] = trainingEnd + i * stride;
        }
        return starts;
    }

    /** The windows of {@code starts} that begin in {@code [from, to)}, in their order. */
    public static long[] within(long[] starts, long from, long to) {
        return Arrays.stream(starts).filter(s -> s >= from && s < to).toArray();
    }

    public int window() {
        return window;
    }
}
