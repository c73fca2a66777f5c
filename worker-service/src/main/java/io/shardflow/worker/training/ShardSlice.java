package io.shardflow.worker.training;

/**
 * A training shard's rows in memory: features {@code [rows][features]} (already standardised when the job
 * standardises) and labels, for dataset rows {@code [start, start + rows)}.
 */
record ShardSlice(long start, int rows, int features, float[] x, float[] y) {

    /** Features and labels of the given dataset rows (all inside this slice), in their order. */
    Batch gather(int[] datasetRows) {
        var bx = new float[datasetRows.length * features];
        var by = new float[datasetRows.length];
        for (int i = 0; i < datasetRows.length; i++) {
            int local = (int) (datasetRows[i] - start);
            System.arraycopy(x, local * features, bx, i * features, features);
            by[i] = y[local];
        }
        return new Batch(bx, by, datasetRows.length);
    }

    long bytes() {
        return (long) (x.length + y.length) * Float.BYTES;
    }

    record Batch(float[] x, float[] y, int rows) {}
}
