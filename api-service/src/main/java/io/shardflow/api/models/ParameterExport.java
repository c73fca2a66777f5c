package io.shardflow.api.models;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.shardflow.core.models.DenseLayer;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.LinearArchitecture;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.models.ModelParameters;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.training.Preprocessing;
import io.shardflow.db.models.ModelRow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A registered model as the body {@code POST /api/v1/models} takes. A record, so the architecture is written
 * with its {@code kind}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ParameterExport(
        String name,
        ModelArchitecture architecture,
        Map<String, Object> parameters,
        @Nullable Preprocessing preprocessing) {

    static ParameterExport of(ModelRow model, Map<String, Tensor> named) {
        Map<String, Object> parameters;
        if (model.architecture() instanceof GptArchitecture) {
            var tensors = new LinkedHashMap<String, float[]>();
            named.forEach((name, tensor) -> tensors.put(name, tensor.data()));
            return new ParameterExport(model.name(), model.architecture(), Map.of("tensors", tensors), null);
        }
        var layers = ModelParameters.layers(named);
        if (model.architecture() instanceof LinearArchitecture) {
            parameters = layer(layers.getFirst());
        } else {
            var list = new ArrayList<Map<String, Object>>();
            layers.forEach(l -> list.add(layer(l)));
            parameters = Map.of("layers", list);
        }
        var scaling = Preprocessing.scalingOf(model.preprocessing());
        return new ParameterExport(
                model.name(), model.architecture(), parameters, scaling == null ? null : new Preprocessing(scaling));
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
