package io.shardflow.core.models;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * A built-in architecture. Every one so far is a stack of dense layers ({@code y = W·x + b}, W as
 * {@code [outputs][inputs]} like torch.nn.Linear) with an activation between layers.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = LinearArchitecture.class, name = "linear"),
    @JsonSubTypes.Type(value = MlpArchitecture.class, name = "mlp")
})
public sealed interface ModelArchitecture permits LinearArchitecture, MlpArchitecture {

    /** Widths from input to output: {@code [in, h1, ..., out]}. */
    List<Integer> widths();

    Activation hiddenActivation();

    Task task();

    default int inputs() {
        return widths().getFirst();
    }

    default int outputs() {
        return widths().getLast();
    }

    default int layerCount() {
        return widths().size() - 1;
    }

    /** Bytes of the float32 parameters: what a worker must hold to run the whole model. */
    default long parameterBytes() {
        long count = 0;
        var w = widths();
        for (int i = 0; i + 1 < w.size(); i++) {
            count += (long) w.get(i) * w.get(i + 1) + w.get(i + 1);
        }
        return count * Float.BYTES;
    }
}
