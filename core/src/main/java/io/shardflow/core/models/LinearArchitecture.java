package io.shardflow.core.models;

import static io.shardflow.core.InvalidSpecException.require;

import java.util.List;

/** One dense layer: {@code y = W·x + b}. */
public record LinearArchitecture(int inputs, int outputs) implements ModelArchitecture {
    public LinearArchitecture {
        require(inputs > 0, "inputs", "must be > 0, was " + inputs);
        require(outputs > 0, "outputs", "must be > 0, was " + outputs);
    }

    @Override
    public List<Integer> widths() {
        return List.of(inputs, outputs);
    }

    @Override
    public Activation hiddenActivation() {
        return Activation.IDENTITY;
    }
}
