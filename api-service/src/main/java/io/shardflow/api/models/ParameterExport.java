package io.shardflow.api.models;

import io.shardflow.core.models.DenseLayer;
import io.shardflow.core.models.LinearArchitecture;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.training.Preprocessing;
import io.shardflow.db.models.ModelRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A registered model as the body {@code POST /api/v1/models} takes. */
final class ParameterExport {
    private ParameterExport() {
    }

    static Map<String, Object> of(ModelRow model, List<DenseLayer> layers) {
        var body = new LinkedHashMap<String, Object>();
        body.put("name", model.name());
        body.put("architecture", model.architecture());
        if (model.architecture() instanceof LinearArchitecture) {
            body.put("parameters", layer(layers.getFirst()));
        } else {
            var list = new ArrayList<Map<String, Object>>();
            layers.forEach(l -> list.add(layer(l)));
            body.put("parameters", Map.of("layers", list));
        }
        var scaling = Preprocessing.scalingIn(model.preprocessing());
        if (scaling != null) {
            body.put("preprocessing", new Preprocessing(scaling));
        }
        return body;
    }

    private static Map<String, Object> layer(DenseLayer layer) {
        var body = new LinkedHashMap<String, Object>();
        body.put("weight", rows(layer.weight()));
        body.put("bias", layer.bias().data());
        return body;
    }

    private static float[][] rows(Tensor matrix) {
        int rows = matrix.shape()[0];
        int columns = matrix.shape()[1];
        var out = new float[rows][columns];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(matrix.data(), r * columns, out[r], 0, columns);
        }
        return out;
    }
}
