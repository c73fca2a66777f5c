package io.shardflow.core.training;

/**
 * Feature standardisation {@code (x - mean) / std}, computed on a training split and kept with the model, so
 * inference applies exactly what training saw. A constant feature keeps std 1.
 */
public record FeatureScaling(float[] mean, float[] std) {

    /** Scales a row-major {@code [rows][features]} matrix in place. */
    public void apply(float[] rows) {
        int features = mean.length;
        for (int i = 0; i < rows.length; i++) {
            int f = i % features;
            rows[i] = (rows[i] - mean[f]) / std[f];
        }
    }

    /** Accumulates per-feature mean and variance in one pass (Welford), a window of rows at a time. */
    public static final class Accumulator {
        private final double[] mean;
        private final double[] m2;
        private long count;

        public Accumulator(int features) {
            mean = new double[features];
            m2 = new double[features];
        }

        public void add(float[] row, int offset) {
            count++;
            for (int f = 0; f < mean.length; f++) {
                double x = row[offset + f];
                double delta = x - mean[f];
                mean[f] += delta / count;
                m2[f] += delta * (x - mean[f]);
            }
        }

        public FeatureScaling result() {
            var m = new float[mean.length];
            var s = new float[mean.length];
            for (int f = 0; f < mean.length; f++) {
                m[f] = (float) mean[f];
                double std = count > 0 ? Math.sqrt(m2[f] / count) : 0;
                s[f] = std > 1e-12 ? (float) std : 1f;
            }
            return new FeatureScaling(m, s);
        }
    }
}
