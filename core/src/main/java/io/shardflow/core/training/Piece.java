package io.shardflow.core.training;

/**
 * A slice of one named parameter in model-parallel training: rows {@code [rowStart, rowEnd)} and columns
 * {@code [colStart, colEnd)} of a matrix, or entries {@code [rowStart, rowEnd)} of a vector. One update group keeps
 * it with its optimiser state and applies the optimiser to it; every part that reads it adds to its gradient.
 */
public record Piece(String parameter, int rowStart, int rowEnd, int colStart, int colEnd, boolean vector, int group) {

    public Piece {
        if (rowStart < 0 || rowEnd <= rowStart || colStart < 0 || colEnd <= colStart) {
            throw new IllegalArgumentException("an empty or negative slice of " + parameter);
        }
    }

    public static Piece rows(String parameter, int rowStart, int rowEnd, int cols, int group) {
        return new Piece(parameter, rowStart, rowEnd, 0, cols, false, group);
    }

    public static Piece vector(String parameter, int from, int to, int group) {
        return new Piece(parameter, from, to, 0, 1, true, group);
    }

    /** The name a piece is stored under: unique within a job, whichever group keeps it. */
    public String id() {
        return parameter + "[" + rowStart + ":" + rowEnd + "," + colStart + ":" + colEnd + "]";
    }

    public int rows() {
        return rowEnd - rowStart;
    }

    public int cols() {
        return colEnd - colStart;
    }

    public int[] shape() {
        return vector ? new int[] {rows()} : new int[] {rows(), cols()};
    }

    public long values() {
        return (long) rows() * cols();
    }

    public long bytes() {
        return values() * Float.BYTES;
    }

    /** This piece's values out of the whole parameter, row-major, {@code width} columns wide (1 for a vector). */
    public float[] cut(float[] whole, int width) {
        var out = new float[Math.toIntExact(values())];
        for (int r = 0; r < rows(); r++) {
            System.arraycopy(whole, (rowStart + r) * width + colStart, out, r * cols(), cols());
        }
        return out;
    }

    /** Writes this piece's values into the whole parameter, {@code width} columns wide. */
    public void paste(float[] piece, float[] whole, int width) {
        for (int r = 0; r < rows(); r++) {
            System.arraycopy(piece, r * cols(), whole, (rowStart + r) * width + colStart, cols());
        }
    }
}
