package io.shardflow.core.models;

import io.shardflow.core.Lookup;
import io.shardflow.core.tensors.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parameters as named tensors and as flat arrays; dense layers as named tensors ({@code layers.<i>.weight}, {@code layers.<i>.bias}) and as flat arrays. */
public final class ModelParameters {
    private ModelParameters() {}

    public static Map<String, Tensor> named(List<DenseLayer> layers) {
        var named = new LinkedHashMap<String, Tensor>();
        for (int i = 0; i < layers.size(); i++) {
            named.put(weightOf(i), layers.get(i).weight());
            named.put(biasOf(i), layers.get(i).bias());
        }
        return named;
    }

    /** The name of dense layer {@code layer}'s weight matrix. */
    public static String weightOf(int layer) {
        return "layers." + layer + ".weight";
    }

    /** The name of dense layer {@code layer}'s bias. */
    public static String biasOf(int layer) {
        return "layers." + layer + ".bias";
    }

    public static List<DenseLayer> layers(Map<String, Tensor> named) {
        var layers = new ArrayList<DenseLayer>();
        for (int i = 0; named.containsKey(weightOf(i)); i++) {
            layers.add(new DenseLayer(Lookup.required(named, weightOf(i)), Lookup.required(named, biasOf(i))));
        }
        return List.copyOf(layers);
    }

    /** The values of every tensor in the map's order, copied: the order training exchanges them in. */
    public static float[][] flat(Map<String, Tensor> named) {
        var flat = new float[named.size()][];
        int i = 0;
        for (var tensor : named.values()) {
            flat[i++] = tensor.data().clone();
        }
        return flat;
    }

    /** Tensors with the names and shapes of {@code like} and the values of {@code flat}. */
    public static Map<String, Tensor> unflat(Map<String, Tensor> like, float[][] flat) {
        var named = new LinkedHashMap<String, Tensor>();
        int i = 0;
        for (var entry : like.entrySet()) {
            named.put(entry.getKey(), new Tensor(entry.getValue().shape(), flat[i++]));
        }
        return named;
    }

    /** Tensors of the given names and shapes with the values of {@code flat}, in the same order. */
    public static Map<String, Tensor> fromShapes(Map<String, int[]> shapes, float[][] flat) {
        var named = new LinkedHashMap<String, Tensor>();
        int i = 0;
        for (var entry : shapes.entrySet()) {
            named.put(entry.getKey(), new Tensor(entry.getValue(), flat[i++]));
        }
        return named;
    }

    /** The values of every tensor in layer order (weight, bias, weight, bias, ...), copied. */
    public static float[][] flat(List<DenseLayer> layers) {
        var flat = new float[layers.size() * 2][];
        for (int i = 0; i < layers.size(); i++) {
            flat[2 * i] = layers.get(i).weight().data().clone();
            flat[2 * i + 1] = layers.get(i).bias().data().clone();
        }
        return flat;
    }

    /** Layers with the shapes of {@code like} and the values of {@code flat}. */
    public static List<DenseLayer> unflat(List<DenseLayer> like, float[][] flat) {
        var layers = new ArrayList<DenseLayer>();
        for (int i = 0; i < like.size(); i++) {
            layers.add(new DenseLayer(
                    new Tensor(like.get(i).weight().shape(), flat[2 * i]),
                    new Tensor(like.get(i).bias().shape(), flat[2 * i + 1])));
        }
        return List.copyOf(layers);
    }
}
