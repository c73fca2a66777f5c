package io.shardflow.core.models;

import io.shardflow.core.tensors.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Dense layers as named tensors ({@code layers.<i>.weight}, {@code layers.<i>.bias}) and as flat arrays. */
public final class ModelParameters {
    private ModelParameters() {
    }

    public static Map<String, Tensor> named(List<DenseLayer> layers) {
        var named = new LinkedHashMap<String, Tensor>();
        for (int i = 0; i < layers.size(); i++) {
            named.put("layers." + i + ".weight", layers.get(i).weight());
            named.put("layers." + i + ".bias", layers.get(i).bias());
        }
        return named;
    }

    public static List<DenseLayer> layers(Map<String, Tensor> named) {
        var layers = new ArrayList<DenseLayer>();
        for (int i = 0; named.containsKey("layers." + i + ".weight"); i++) {
            layers.add(new DenseLayer(named.get("layers." + i + ".weight"), named.get("layers." + i + ".bias")));
        }
        return List.copyOf(layers);
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
            layers.add(new DenseLayer(new Tensor(like.get(i).weight().shape(), flat[2 * i]),
                new Tensor(like.get(i).bias().shape(), flat[2 * i + 1])));
        }
        return List.copyOf(layers);
    }
}
