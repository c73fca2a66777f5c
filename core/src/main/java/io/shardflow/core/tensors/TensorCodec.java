package io.shardflow.core.tensors;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The binary form of a tensor, as stored in PostgreSQL: magic {@code SFT1}, dtype (1 = float32), rank, two
 * reserved bytes, rank int32 dimensions, then the values; all little-endian. Decoding reads the bytes once.
 */
public final class TensorCodec {
    private static final int MAGIC = 0x31544653; // "SFT1" read as a little-endian int
    private static final byte FLOAT32 = 1;
    private static final VarHandle FLOAT_LE =
            MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

    private TensorCodec() {}

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
        int[] shape = shapeOf(bytes);
        var buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).position(headerBytes(shape.length));
        long count = Tensor.elementCount(shape);
        if (buffer.remaining() != count * Float.BYTES) {
            throw new IllegalArgumentException(
                    "tensor payload is " + buffer.remaining() + " bytes, shape needs " + count * Float.BYTES);
        }
        var data = new float[(int) count];
        buffer.asFloatBuffer().get(data);
        return new Tensor(shape, data);
    }

    /** The shape in an encoded tensor's header, which is checked; the values are not read. */
    public static int[] shapeOf(byte[] bytes) {
        var buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 8 || buffer.getInt() != MAGIC) {
            throw new IllegalArgumentException("not a Shardflow tensor (bad magic)");
        }
        byte dtype = buffer.get();
        if (dtype != FLOAT32) {
            throw new IllegalArgumentException("unsupported tensor dtype " + dtype);
        }
        int rank = buffer.get();
        if (rank < 0 || bytes.length < headerBytes(rank)) {
            throw new IllegalArgumentException("tensor header is cut short");
        }
        buffer.getShort();
        var shape = new int[rank];
        for (int i = 0; i < rank; i++) {
            shape[i] = buffer.getInt();
        }
        return shape;
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

    /**
     * {@link #concatRows} on encoded matrices, copying their bytes without decoding them: how a merge joins data
     * shards' outputs.
     */
    public static byte[] concatEncodedRows(List<byte[]> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to concatenate");
        }
        int header = headerBytes(2);
        int rows = 0;
        int columns = -1;
        for (byte[] part : parts) {
            int[] shape = shapeOf(part);
            if (shape.length != 2 || (columns >= 0 && shape[1] != columns)) {
                throw new IllegalArgumentException(
                        "parts differ in shape: " + Arrays.toString(shape) + " vs [*, " + columns + "]");
            }
            if (part.length != header + (long) shape[0] * shape[1] * Float.BYTES) {
                throw new IllegalArgumentException("tensor payload does not match its shape " + Arrays.toString(shape));
            }
            columns = shape[1];
            rows = Math.addExact(rows, shape[0]);
        }
        var out = ByteBuffer.allocate(
                        Math.addExact(header, Math.multiplyExact(Math.multiplyExact(rows, columns), Float.BYTES)))
                .order(ByteOrder.LITTLE_ENDIAN);
        out.put(parts.getFirst(), 0, header).putInt(8, rows).position(header);
        for (byte[] part : parts) {
            out.put(part, header, part.length - header);
        }
        return out.array();
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
                throw new IllegalArgumentException(
                        "parts differ in shape: " + parts.get(i) + " vs " + parts.getFirst());
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
        int at = skipValues * Float.BYTES;
        for (int i = 0; i < count; i++, at += Float.BYTES) {
            target[offset + i * stride] = (float) FLOAT_LE.get(bytes, at);
        }
    }

    /** Several named tensors in one value: count, then per entry its name (UTF-8) and its encoded tensor. */
    public static byte[] encodeBundle(Map<String, Tensor> tensors) {
        var parts = new ArrayList<byte[]>();
        int size = Integer.BYTES;
        for (var entry : tensors.entrySet()) {
            byte[] name = entry.getKey().getBytes(StandardCharsets.UTF_8);
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
    public static Map<String, Tensor> decodeBundle(byte[] bytes) {
        var buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int count = buffer.getInt();
        var tensors = new LinkedHashMap<String, Tensor>();
        for (int i = 0; i < count; i++) {
            byte[] name = new byte[buffer.getInt()];
            buffer.get(name);
            byte[] tensor = new byte[buffer.getInt()];
            buffer.get(tensor);
            tensors.put(new String(name, StandardCharsets.UTF_8), decode(tensor));
        }
        return tensors;
    }

    private static int headerBytes(int rank) {
        return 8 + rank * Integer.BYTES;
    }
}
