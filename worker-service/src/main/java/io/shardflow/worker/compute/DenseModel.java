package io.shardflow.worker.compute;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import io.shardflow.core.models.Activation;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.DenseLayer;
import io.shardflow.core.tensors.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jspecify.annotations.Nullable;

/**
 * Dense layers loaded into DJL once and shared by every lane: a whole model, or one partition of it (slices of
 * weights, a bias only where the partition adds it). Forward passes only read the parameters, so lanes run them
 * at the same time; closing waits for running passes to end.
 */
public final class DenseModel implements AutoCloseable {
    /** A weight {@code [outputs][inputs]} and its bias, or null where another shard adds the bias. */
    public record Layer(Tensor weight, @Nullable Tensor bias) {
        long bytes() {
            return (long) (weight.data().length + (bias == null ? 0 : bias.data().length)) * Float.BYTES;
        }
    }

    /** A layer's weight and bias in the engine, the bias null where another shard adds it. */
    private record Loaded(NDArray weight, @Nullable NDArray bias) {}

    private final NDManager manager;
    private final List<Loaded> arrays = new ArrayList<>();
    private final Activation activation;
    private final boolean activateInput;
    private final int inputs;
    private final int outputs;
    private final long bytes;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    public DenseModel(Engine engine, Device device, Activation activation, List<Layer> layers, boolean activateInput) {
        this.manager = engine.newBaseManager(device);
        this.activation = activation;
        this.activateInput = activateInput;
        this.inputs = layers.getFirst().weight().shape()[1];
        this.outputs = layers.getLast().weight().shape()[0];
        this.bytes = layers.stream().mapToLong(Layer::bytes).sum();
        for (var layer : layers) {
            var w = layer.weight();
            var weight = manager.create(w.data(), new Shape(w.shape()[0], w.shape()[1]));
            var b = layer.bias();
            var bias = b == null ? null : manager.create(b.data(), new Shape(w.shape()[0]));
            arrays.add(new Loaded(weight, bias));
        }
    }

    /** A whole model: every layer with its bias. */
    public DenseModel(Engine engine, Device device, DenseArchitecture architecture, List<DenseLayer> layers) {
        this(
                engine,
                device,
                architecture.hiddenActivation(),
                layers.stream().map(l -> new Layer(l.weight(), l.bias())).toList(),
                false);
    }

    /** Runs {@code rows} inputs (row-major {@code [rows][inputs]}) through the layers; returns {@code [rows][outputs]}. */
    public float[] forward(float[] input, int rows) {
        lock.readLock().lock();
        try {
            if (closed) {
                throw new ModelEvictedException();
            }
            try (NDManager scope = manager.newSubManager()) {
                return layers(scope.create(input, new Shape(rows, inputs))).toFloatArray();
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    private NDArray layers(NDArray input) {
        NDArray a = activateInput ? activate(input) : input;
        for (int i = 0; i < arrays.size(); i++) {
            var layer = arrays.get(i);
            var bias = layer.bias();
            a = (bias == null ? Linear.linear(a, layer.weight()) : Linear.linear(a, layer.weight(), bias))
                    .singletonOrThrow();
            if (i + 1 < arrays.size()) {
                a = activate(a);
            }
        }
        return a;
    }

    private NDArray activate(NDArray a) {
        return switch (activation) {
            case RELU -> ai.djl.nn.Activation.relu(a);
            case TANH -> ai.djl.nn.Activation.tanh(a);
            case SIGMOID -> ai.djl.nn.Activation.sigmoid(a);
            case IDENTITY -> a;
        };
    }

    public int inputs() {
        return inputs;
    }

    public int outputs() {
        return outputs;
    }

    public long bytes() {
        return bytes;
    }

    public boolean isClosed() {
        lock.readLock().lock();
        try {
            return closed;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                manager.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
