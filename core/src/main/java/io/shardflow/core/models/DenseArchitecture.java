package io.shardflow.core.models;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stack of dense layers ({@code y = W·x + b}, W as {@code [outputs][inputs]} like torch.nn.Linear) with an
 * activation between layers; parameters {@code layers.<i>.weight} and {@code layers.<i>.bias}.
 */
public sealed interface DenseArchitecture extends ModelArchitecture permits LinearArchitecture, MlpArchitecture {

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

    @Override
    default Map<String, int[]> parameterShapes() {
        var shapes = new LinkedHashMap<String, int[]>();
        var w = widths();
        for (int i = 0; i + 1 < w.size(); i++) {
            shapes.put(ModelParameters.weightOf(i), new int[] {w.get(i + 1), w.get(i)});
            shapes.put(ModelParameters.biasOf(i), new int[] {w.get(i + 1)});
        }
        return shapes;
    }
}
