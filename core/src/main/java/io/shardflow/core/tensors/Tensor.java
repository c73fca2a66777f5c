package io.shardflow.core.tensors;

import java.util.Arrays;

/** A dense float32 tensor in row-major order. Arrays are shared, not copied: treat a tensor as read-only. */
public record Tensor(int[] shape, float[] data) {
    public Tensor {
        long n = elementCount(shape);
        if (n != data.length) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " holds " + n + " values, data has " + data.length);
        }
    }

    public static Tensor matrix(int rows, int columns, float[] data) {
        return new Tensor(new int[] {rows, columns}, data);
    }

    public static Tensor vector(float[] data) {
        return new Tensor(new int[] {data.length}, data);
    }

    public static long elementCount(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public int rank() {
        return shape.length;
    }

    public float get(int row, int column) {
        return data[row * shape[1] + column];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Tensor" + Arrays.toString(shape);
    }
}
