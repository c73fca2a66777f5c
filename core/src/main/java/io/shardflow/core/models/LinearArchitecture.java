package io.shardflow.core.models;

import static io.shardflow.core.InvalidSpecException.require;

import java.util.List;

/** One dense layer: {@code y = W·x + b}; linear regression, or softmax regression with {@code task: classification}. */
public record LinearArchitecture(int inputs, int outputs, Task task) implements DenseArchitecture {
    public LinearArchitecture {
        require(inputs > 0, "inputs", "must be > 0, was " + inputs);
        require(outputs > 0, "outputs", "must be > 0, was " + outputs);
        task = task == null ? Task.REGRESSION : task;
        require(
                task != Task.CLASSIFICATION || outputs >= 2,
                "outputs",
                "a classifier needs one output per class, at least 2");
    }

    public LinearArchitecture(int inputs, int outputs) {
        this(inputs, outputs, Task.REGRESSION);
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
