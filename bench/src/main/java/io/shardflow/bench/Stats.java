package io.shardflow.bench;

import java.util.Arrays;
import java.util.List;

/** Order statistics of a sample: what the report quotes (median and spread, percentiles of latencies). */
public record Stats(double[] sorted) {

    public static Stats of(List<Double> values) {
        return new Stats(
                values.stream().mapToDouble(Double::doubleValue).sorted().toArray());
    }

    public static Stats of(double... values) {
        var copy = values.clone();
        Arrays.sort(copy);
        return new Stats(copy);
    }

    /** The nearest-rank percentile, {@code p} in (0, 100]. */
    public double percentile(double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    public double median() {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    public double min() {
        return sorted.length == 0 ? Double.NaN : sorted[0];
    }

    public double max() {
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1];
    }

    /** "median (min–max)" with the given format, or just the value for one run. */
    public String spread(String format) {
        if (sorted.length == 1) {
            return String.format(format, median());
        }
        return String.format(format, median()) + " (" + String.format(format, min()) + "–"
                + String.format(format, max()) + ")";
    }
}
