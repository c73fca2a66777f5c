package io.shardflow.core.tensors;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The binary form of a tensor, as stored in PostgreSQL: magic {@code SFT1}, dtype (1 = float32), rank, two
 * reserved bytes, rank int32 dimensions, then the values; all little-endian. Decoding reads the bytes once.
 */
public final class TensorCodec {
    private static final int MAGIC = 0x31544653; // "SFT1" read as a little-endian int
    private static final byte FLOAT32 = 1;

    private TensorCodec() {
    }

    public static byte[] encode(Tensor tensor) {
        var buffer = ByteBuffer.allocate(headerBytes(tensor.rank()) + tensor.data().length * Float.BYTES)
            .order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(MAGIC).put(FLOAT32).put((byte) tensor.rank()).putShort((short) 0);
        for (int d : tensor.shape()) {
            buffer.putInt(d);
        }
        buffer.asFloatBuffer().put(tensor.data());
        return buffer.array();
    }

    public static Tensor decode(byte[] bytes) {
        var buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 8 || buffer.getInt() != MAGIC) {
            throw new IllegalArgumentException("not a Shardflow tensor (bad magic)");
        }
        byte dtype = buffer.get();
        if (dtype != FLOAT32) {
            throw new IllegalArgumentException("unsupported tensor dtype " + dtype);
        }
        int rank = buffer.get();
        buffer.getShort();
        var shape = new int[rank];
        for (int i = 0; i < rank; i++) {
            shape[i] = buffer.getInt();
        }
        long count = Tensor.elementCount(shape);
        if (buffer.remaining() != count * Float.BYTES) {
            throw new IllegalArgumentException("tensor payload is " + buffer.remaining() + " bytes, shape needs " + count * Float.BYTES);
        }
        var data = new float[(int) count];
        buffer.asFloatBuffer().get(data);
        return new Tensor(shape, data);
    }

    /** Concatenates matrices with the same column count along rows, in list order. */
    public static Tensor concatRows(List<Tensor> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to concatenate");
        }
        int columns = parts.getFirst().shape()[1];
        int rows = 0;
        for (var p : parts) {
            if (p.rank() != 2 || p.shape()[1] != columns) {
                throw new IllegalArgumentException("parts differ in shape: " + p + " vs [*, " + columns + "]");
            }
            rows = Math.addExact(rows, p.shape()[0]);
        }
        var data = new float[Math.multiplyExact(rows, columns)];
        int offset = 0;
        for (var p : parts) {
            System.arraycopy(p.data(), 0, data, offset, p.data().length);
            offset += p.data().length;
        }
        return Tensor.matrix(rows, columns, data);
    }

    /** Matrices with the same row count side by side, in list order. */
    public static Tensor concatColumns(List<Tensor> parts) {
        int rows = parts.getFirst().shape()[0];
        int columns = 0;
        for (var p : parts) {
            if (p.rank() != 2 || p.shape()[0] != rows) {
                throw new IllegalArgumentException("parts differ in rows: " + p + " vs [" + rows + ", *]");
            }
            columns += p.shape()[1];
        }
        var data = new float[Math.multiplyExact(rows, columns)];
        int offset = 0;
        for (var p : parts) {
            int width = p.shape()[1];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(p.data(), r * width, data, r * columns + offset, width);
            }
            offset += width;
        }
        return Tensor.matrix(rows, columns, data);
    }

    /** The element-wise sum of tensors of one shape. */
    public static Tensor sum(List<Tensor> parts) {
        var data = parts.getFirst().data().clone();
        for (int i = 1; i < parts.size(); i++) {
            float[] other = parts.get(i).data();
            if (other.length != data.length) {
                throw new IllegalArgumentException("parts differ in shape: " + parts.get(i) + " vs " + parts.getFirst());
            }
            for (int j = 0; j < data.length; j++) {
                data[j] += other[j];
            }
        }
        return new Tensor(parts.getFirst().shape(), data);
    }

    /** Raw little-endian float32 values with no header: the layout of dataset column chunks. */
    public static byte[] floatsToBytes(float[] values, int length) {
        var buffer = ByteBuffer.allocate(length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(values, 0, length);
        return buffer.array();
    }

    /** Reads raw little-endian float32 values into {@code target} at {@code offset}, with {@code stride} between values. */
    public static void bytesToFloats(byte[] bytes, int skipValues, int count, float[] target, int offset, int stride) {
        var floats = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int i = 0; i < count; i++) {
            target[offset + i * stride] = floats.get(skipValues + i);
        }
    }

    /** Several named tensors in one value: count, then per entry its name (UTF-8) and its encoded tensor. */
    public static byte[] encodeBundle(java.util.Map<String, Tensor> tensors) {
        var parts = new java.util.ArrayList<byte[]>();
        int size = Integer.BYTES;
        for (var entry : tensors.entrySet()) {
            byte[] name = entry.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] tensor = encode(entry.getValue());
            parts.add(name);
            parts.add(tensor);
            size += 2 * Integer.BYTES + name.length + tensor.length;
        }
        var buffer = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN).putInt(tensors.size());
        for (byte[] part : parts) {
            buffer.putInt(part.length).put(part);
        }
        return buffer.array();
    }

    /** The named tensors of {@link #encodeBundle}, in their order. */
    public static java.util.LinkedHashMap<String, Tensor> decodeBundle(byte[] bytes) {
        var buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int count = buffer.getInt();
        var tensors = new java.util.LinkedHashMap<String, Tensor>();
        for (int i = 0; i < count; i++) {
            byte[] name = new byte[buffer.getInt()];
            buffer.get(name);
            byte[] tensor = new byte[buffer.getInt()];
            buffer.get(tensor);
            tensors.put(new String(name, java.nio.charset.StandardCharsets.UTF_8), decode(tensor));
        }
        return tensors;
    }

    private static int headerBytes(int rank) {
        return 8 + rank * Integer.BYTES;
    }
}
