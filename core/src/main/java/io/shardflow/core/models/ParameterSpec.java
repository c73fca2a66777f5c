package io.shardflow.core.models;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.tensors.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Explicit parameters as a client sends them: {@code weight}/{@code bias} for a linear model, {@code layers}
 * of weight/bias pairs for an MLP. {@link #toLayers} checks every shape against the architecture.
 */
public record ParameterSpec(float[][] weight, float[] bias, List<LayerSpec> layers) {

    public record LayerSpec(float[][] weight, float[] bias) {
    }

    public List<DenseLayer> toLayers(ModelArchitecture architecture) {
        List<LayerSpec> given;
        String prefix;
        if (architecture instanceof LinearArchitecture) {
            InvalidSpecException.require(layers == null, "parameters.layers", "a linear model takes weight and bias, not layers");
            given = List.of(new LayerSpec(weight, bias));
            prefix = "parameters.";
        } else {
            InvalidSpecException.require(weight == null && bias == null, "parameters", "an mlp takes layers of weight and bias");
            InvalidSpecException.require(layers != null, "parameters.layers", "is required");
            given = layers;
            prefix = "parameters.layers[%d].";
        }
        var widths = architecture.widths();
        InvalidSpecException.require(given.size() == widths.size() - 1, "parameters.layers",
            "architecture has " + (widths.size() - 1) + " layers, parameters have " + given.size());
        var result = new ArrayList<DenseLayer>(given.size());
        for (int i = 0; i < given.size(); i++) {
            String path = prefix.formatted(i);
            var layer = given.get(i);
            InvalidSpecException.require(layer != null, path.isEmpty() ? "parameters" : path.substring(0, path.length() - 1), "is required");
            result.add(toLayer(layer, widths.get(i), widths.get(i + 1), path));
        }
        return List.copyOf(result);
    }

    private static DenseLayer toLayer(LayerSpec layer, int inputs, int outputs, String path) {
        float[][] w = layer.weight();
        float[] b = layer.bias();
        String expected = "expected [" + outputs + "][" + inputs + "]";
        InvalidSpecException.require(w != null, path + "weight", "is required, " + expected);
        InvalidSpecException.require(w.length == outputs, path + "weight", expected + ", got " + w.length + " rows");
        var flat = new float[outputs * inputs];
        for (int r = 0; r < outputs; r++) {
            InvalidSpecException.require(w[r] != null && w[r].length == inputs, path + "weight[" + r + "]",
                expected + ", row has " + (w[r] == null ? 0 : w[r].length) + " values");
            for (int c = 0; c < inputs; c++) {
                InvalidSpecException.require(Float.isFinite(w[r][c]), path + "weight[" + r + "][" + c + "]", "must be finite");
            }
            System.arraycopy(w[r], 0, flat, r * inputs, inputs);
        }
        InvalidSpecException.require(b != null && b.length == outputs, path + "bias",
            "expected [" + outputs + "], got " + (b == null ? "nothing" : "[" + b.length + "]"));
        for (int c = 0; c < outputs; c++) {
            InvalidSpecException.require(Float.isFinite(b[c]), path + "bias[" + c + "]", "must be finite");
        }
        return new DenseLayer(Tensor.matrix(outputs, inputs, flat), Tensor.vector(b.clone()));
    }
}
