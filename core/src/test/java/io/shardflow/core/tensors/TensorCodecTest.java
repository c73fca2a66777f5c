package io.shardflow.core.tensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TensorCodecTest {

    @Test
    void roundTripsShapeAndEveryBitOfTheValues() {
        var random = new Random(7);
        var data = new float[3 * 5];
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextFloat() * 2e6f - 1e6f;
        }
        data[4] = Float.NaN;
        data[5] = -0.0f;
        data[6] = Float.MIN_VALUE;
        var tensor = Tensor.matrix(3, 5, data);

        var decoded = TensorCodec.decode(TensorCodec.encode(tensor));

        assertThat(decoded.shape()).containsExactly(3, 5);
        for (int i = 0; i < data.length; i++) {
            assertThat(Float.floatToRawIntBits(decoded.data()[i])).isEqualTo(Float.floatToRawIntBits(data[i]));
        }
    }

    @Test
    void encodesLittleEndianFloat32AfterAHeader() {
        byte[] bytes = TensorCodec.encode(Tensor.vector(new float[] {1.0f}));
        // magic, dtype, rank, reserved, one dimension, one value
        assertThat(bytes).hasSize(4 + 1 + 1 + 2 + 4 + 4);
        assertThat(new String(bytes, 0, 3, java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("SFT");
        assertThat(bytes[bytes.length - 1]).isEqualTo((byte) 0x3f); // 1.0f = 0x3f800000, last byte in little-endian
    }

    @Test
    void rejectsBytesThatAreNotATensor() {
        assertThatThrownBy(() -> TensorCodec.decode("hello world!".getBytes()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("magic");
        byte[] truncated = java.util.Arrays.copyOf(TensorCodec.encode(Tensor.matrix(2, 2, new float[4])), 20);
        assertThatThrownBy(() -> TensorCodec.decode(truncated))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("payload");
    }

    @Test
    void concatenatesRowsInListOrder() {
        var a = Tensor.matrix(2, 2, new float[] {1, 2, 3, 4});
        var b = Tensor.matrix(1, 2, new float[] {5, 6});

        var joined = TensorCodec.concatRows(List.of(a, b));

        assertThat(joined.shape()).containsExactly(3, 2);
        assertThat(joined.data()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThatThrownBy(() -> TensorCodec.concatRows(List.of(a, Tensor.matrix(1, 3, new float[3]))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void concatenatesEncodedRowsWithoutDecodingToTheSameBytes() {
        var random = new Random(11);
        var parts = List.of(randomMatrix(random, 3, 4), randomMatrix(random, 1, 4), randomMatrix(random, 5, 4));

        byte[] joined = TensorCodec.concatEncodedRows(
                parts.stream().map(TensorCodec::encode).toList());

        assertThat(joined).isEqualTo(TensorCodec.encode(TensorCodec.concatRows(parts)));
        assertThatThrownBy(() -> TensorCodec.concatEncodedRows(List.of(
                        TensorCodec.encode(parts.get(0)), TensorCodec.encode(Tensor.matrix(1, 3, new float[3])))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("shape");
        assertThatThrownBy(
                        () -> TensorCodec.concatEncodedRows(List.of(TensorCodec.encode(Tensor.vector(new float[2])))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Tensor randomMatrix(Random random, int rows, int columns) {
        var data = new float[rows * columns];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextGaussian();
        }
        return Tensor.matrix(rows, columns, data);
    }

    @Test
    void readsStridedColumnValues() {
        byte[] column = TensorCodec.floatsToBytes(new float[] {10, 11, 12, 13}, 4);
        var target = new float[6];

        TensorCodec.bytesToFloats(column, 1, 3, target, 1, 2);

        assertThat(target).containsExactly(0, 11, 0, 12, 0, 13);
    }
}
