package io.shardflow.core.models;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.tensors.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Explicit parameters as a client sends them: {@code weight}/{@code bias} for a linear model, {@code layers}
 * of weight/bias pairs for an MLP, {@code tensors} (name → row-major values) for a gpt. {@link #toLayers} and
 * {@link #toTensors} check every shape against the architecture.
 */
public record ParameterSpec(
        float @Nullable [][] weight,
        float @Nullable [] bias,
        @Nullable List<LayerSpec> layers,
        @Nullable Map<String, float[]> tensors) {

    public ParameterSpec(float @Nullable [][] weight, float @Nullable [] bias, @Nullable List<LayerSpec> layers) {
        this(weight, bias, layers, null);
    }

    /** A gpt's parameters: every tensor of the architecture by name, with the number of values its shape holds. */
    public Map<String, Tensor> toTensors(GptArchitecture architecture) {
        InvalidSpecException.require(
                weight == null && bias == null && layers == null,
                "parameters",
                "a gpt takes tensors by name, not weight, bias or layers");
        if (tensors == null) {
            throw new InvalidSpecException("parameters.tensors", "is required");
        }
        var named = new LinkedHashMap<String, Tensor>();
        for (var entry : architecture.parameterShapes().entrySet()) {
            String path = "parameters.tensors." + entry.getKey();
            float[] values = tensors.get(entry.getKey());
            long expected = Tensor.elementCount(entry.getValue());
            InvalidSpecException.require(values != null, path, "is required");
            InvalidSpecException.require(
                    values.length == expected,
                    path,
                    "needs " + expected + " values for shape " + Arrays.toString(entry.getValue()) + ", got "
                            + values.length);
            for (int i = 0; i < values.length; i++) {
                InvalidSpecException.require(Float.isFinite(values[i]), path + "[" + i + "]", "must be finite");
            }
            named.put(entry.getKey(), new Tensor(entry.getValue(), values.clone()));
        }
        for (String name : tensors.keySet()) {
            InvalidSpecException.require(
                    named.containsKey(name), "parameters.tensors." + name, "is not a parameter of this gpt");
        }
        return named;
    }

    public record LayerSpec(float @Nullable [][] weight, float @Nullable [] bias) {}

    public List<DenseLayer> toLayers(DenseArchitecture architecture) {
        InvalidSpecException.require(tensors == null, "parameters.tensors", "only a gpt takes tensors by name");
        List<LayerSpec> given;
        String prefix;
        if (architecture instanceof LinearArchitecture) {
            InvalidSpecException.require(
                    layers == null, "parameters.layers", "a linear model takes weight and bias, not layers");
            given = List.of(new LayerSpec(weight, bias));
            prefix = "parameters.";
        } else {
            InvalidSpecException.require(
                    weight == null && bias == null, "parameters", "an mlp takes layers of weight and bias");
            InvalidSpecException.require(layers != null, "parameters.layers", "is required");
            given = layers;
            prefix = "parameters.layers[%d].";
        }
        var widths = architecture.widths();
        InvalidSpecException.require(
                given.size() == widths.size() - 1,
                "parameters.layers",
                "architecture has " + (widths.size() - 1) + " layers, parameters have " + given.size());
        var result = new ArrayList<DenseLayer>(given.size());
        for (int i = 0; i < given.size(); i++) {
            String path = prefix.formatted(i);
            var layer = given.get(i);
            InvalidSpecException.require(
                    layer != null, path.isEmpty() ? "parameters" : path.substring(0, path.length() - 1), "is required");
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
            InvalidSpecException.require(
                    w[r] != null && w[r].length == inputs,
                    path + "weight[" + r + "]",
                    expected + ", row has " + (w[r] == null ? 0 : w[r].length) + " values");
            for (int c = 0; c < inputs; c++) {
                InvalidSpecException.require(
                        Float.isFinite(w[r][c]), path + "weight[" + r + "][" + c + "]", "must be finite");
            }
            System.arraycopy(w[r], 0, flat, r * inputs, inputs);
        }
        InvalidSpecException.require(
                b != null && b.length == outputs,
                path + "bias",
                "expected [" + outputs + "], got " + (b == null ? "nothing" : "[" + b.length + "]"));
        for (int c = 0; c < outputs; c++) {
            InvalidSpecException.require(Float.isFinite(b[c]), path + "bias[" + c + "]", "must be finite");
        }
        return new DenseLayer(Tensor.matrix(outputs, inputs, flat), Tensor.vector(b.clone()));
    }
}
