package io.shardflow.core.training;

import java.util.Arrays;
import java.util.Random;

/**
 * The data order of a training job, the same on every worker and in every test: a seeded split into training
 * and validation rows, then per epoch a seeded shuffle of the training rows cut into global batches (the last
 * batch of an epoch may be smaller). A data shard owns a contiguous row range and computes, for each global
 * batch, on the batch rows inside its range.
 */
public final class TrainingSchedule {
    private final long seed;
    private final int batchSize;
    private final int[] training;
    private final int[] validation;
    private int cachedEpoch = -1;
    private int[] cachedOrder = new int[0];

    public TrainingSchedule(long rows, double validationSplit, long seed, int batchSize) {
        if (rows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("training datasets are limited to " + Integer.MAX_VALUE + " rows");
        }
        this.seed = seed;
        this.batchSize = batchSize;
        int n = (int) rows;
        int[] all = identity(n);
        shuffle(all, new Random(seed));
        int validationRows = (int) Math.round(validationSplit * n);
        this.validation = Arrays.copyOfRange(all, 0, validationRows);
        this.training = Arrays.copyOfRange(all, validationRows, n);
        Arrays.sort(validation);
        Arrays.sort(training);
    }

    public int trainingRows() {
        return training.length;
    }

    public int[] validationRows() {
        return validation.clone();
    }

    public int[] trainingRowIndexes() {
        return training.clone();
    }

    public int stepsPerEpoch() {
        return Math.max(1, (training.length + batchSize - 1) / batchSize);
    }

    public int epochOf(int step) {
        return step / stepsPerEpoch();
    }

    /** True when {@code step} is the last step of its epoch. */
    public boolean endsEpoch(int step) {
        return (step + 1) % stepsPerEpoch() == 0;
    }

    /** The dataset rows of global batch {@code step}, in batch order. */
    public synchronized int[] batch(int step) {
        int epoch = epochOf(step);
        if (epoch != cachedEpoch) {
            cachedOrder = training.clone();
            shuffle(cachedOrder, new Random(mix(seed, epoch)));
            cachedEpoch = epoch;
        }
        int from = (step % stepsPerEpoch()) * batchSize;
        return Arrays.copyOfRange(
                cachedOrder, Math.min(from, cachedOrder.length), Math.min(from + batchSize, cachedOrder.length));
    }

    /** How many rows global batch {@code step} holds, without shuffling anything: {@code batch(step).length}. */
    public static int batchLength(int trainingRows, int batchSize, int step) {
        int stepsPerEpoch = Math.max(1, (trainingRows + batchSize - 1) / batchSize);
        int from = (step % stepsPerEpoch) * batchSize;
        return Math.max(0, Math.min(batchSize, trainingRows - from));
    }

    /** The rows of {@code rows} that lie in {@code [start, end)}, in their order. */
    public static int[] within(int[] rows, long start, long end) {
        return Arrays.stream(rows).filter(r -> r >= start && r < end).toArray();
    }

    private static long mix(long seed, int epoch) {
        long z = seed + 0x9E3779B97F4A7C15L * (epoch + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static int[] identity(int n) {
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            rows[i] = i;
        }
        return rows;
    }

    private static void shuffle(int[] values, Random random) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = values[i];
            values[i] = values[j];
            values[j] = tmp;
        }
    }
}
