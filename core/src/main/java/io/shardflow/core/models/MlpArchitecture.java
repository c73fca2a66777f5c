package io.shardflow.core.models;

import static io.shardflow.core.InvalidSpecException.require;
import static io.shardflow.core.InvalidSpecException.requireGiven;

import java.util.List;

/** Dense layers of the given widths {@code [in, h1, ..., out]}, the activation between them, none after the last. */
public record MlpArchitecture(List<Integer> layers, Activation activation, Task task) implements DenseArchitecture {
    public static final int MAX_WIDTH = 1 << 20;

    public MlpArchitecture {
        requireGiven(layers, "layers");
        require(layers.size() >= 2, "layers", "needs at least an input and an output width");
        for (int i = 0; i < layers.size(); i++) {
            Integer w = layers.get(i);
            requireGiven(w, "layers[" + i + "]");
            require(w > 0 && w <= MAX_WIDTH, "layers[" + i + "]", "must be in 1.." + MAX_WIDTH + ", was " + w);
        }
        layers = List.copyOf(layers);
        activation = activation == null ? Activation.RELU : activation;
        task = task == null ? Task.REGRESSION : task;
        require(
                task != Task.CLASSIFICATION || layers.getLast() >= 2,
                "layers[" + (layers.size() - 1) + "]",
                "a classifier needs one output per class, at least 2");
    }

    public MlpArchitecture(List<Integer> layers, Activation activation) {
        this(layers, activation, Task.REGRESSION);
    }

    @Override
    public List<Integer> widths() {
        return layers;
    }

    @Override
    public Activation hiddenActivation() {
        return activation;
    }
}
