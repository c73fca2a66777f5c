package io.shardflow.core.models;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.Locale;
import java.util.Map;

/**
 * A built-in architecture: stacks of dense layers ({@link DenseArchitecture}: linear, mlp) or a byte-level
 * transformer ({@link GptArchitecture}). Every one is a set of named float32 tensors.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = LinearArchitecture.class, name = "linear"),
    @JsonSubTypes.Type(value = MlpArchitecture.class, name = "mlp"),
    @JsonSubTypes.Type(value = GptArchitecture.class, name = "gpt")
})
public sealed interface ModelArchitecture permits DenseArchitecture, GptArchitecture {

    /** Every parameter tensor by name, with its shape, in the order training exchanges them. */
    Map<String, int[]> parameterShapes();

    /**
     * How many float32 values the parameters hold, from the shapes alone (nothing is allocated); saturates at
     * {@link Long#MAX_VALUE}, so that a limit check never sees an overflowed count as small.
     */
    default long parameterCount() {
        long count = 0;
        for (int[] shape : parameterShapes().values()) {
            long n = 1;
            for (int d : shape) {
                n = saturated(n, d);
            }
            count = count > Long.MAX_VALUE - n ? Long.MAX_VALUE : count + n;
        }
        return count;
    }

    /** Bytes of the float32 parameters: what a worker must hold to run the whole model. */
    default long parameterBytes() {
        return saturated(parameterCount(), Float.BYTES);
    }

    private static long saturated(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long product = a * b;
        return high != 0 || product < 0 ? Long.MAX_VALUE : product;
    }

    /** A short human description: the kind and its sizes. */
    default String describe() {
        return switch (this) {
            case DenseArchitecture dense ->
                kindOf(dense) + " " + dense.widths() + " " + dense.task().name().toLowerCase(Locale.ROOT);
            case GptArchitecture gpt ->
                "gpt " + gpt.layers() + " layers × " + gpt.heads() + " heads, dModel " + gpt.dModel() + ", context "
                        + gpt.context();
        };
    }

    /** The kind as the JSON names it. */
    static String kindOf(ModelArchitecture architecture) {
        return switch (architecture) {
            case LinearArchitecture l -> "linear";
            case MlpArchitecture m -> "mlp";
            case GptArchitecture g -> "gpt";
        };
    }
}
