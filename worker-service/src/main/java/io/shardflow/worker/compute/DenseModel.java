package io.shardflow.worker.compute;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import io.shardflow.core.models.DenseLayer;
import io.shardflow.core.models.ModelArchitecture;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A stack of dense layers loaded into DJL once and shared by every lane: forward passes only read the
 * parameters, so lanes run them at the same time. Closing waits for running passes to end.
 */
public final class DenseModel implements AutoCloseable {
    private final NDManager manager;
    private final SequentialBlock block;
    private final int inputs;
    private final int outputs;
    private final long bytes;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    public DenseModel(Engine engine, Device device, ModelArchitecture architecture, List<DenseLayer> layers) {
        this.manager = engine.newBaseManager(device);
        this.inputs = architecture.inputs();
        this.outputs = architecture.outputs();
        this.bytes = architecture.parameterBytes();
        this.block = new SequentialBlock();
        var linears = new ArrayList<Linear>();
        for (int i = 0; i < layers.size(); i++) {
            var linear = Linear.builder().setUnits(layers.get(i).outputs()).build();
            linears.add(linear);
            block.add(linear);
            if (i + 1 < layers.size()) {
                activation(architecture).ifPresent(block::add);
            }
        }
        try {
            block.initialize(manager, DataType.FLOAT32, new Shape(1, inputs));
            for (int i = 0; i < layers.size(); i++) {
                var params = linears.get(i).getParameters();
                params.get("weight").getArray().set(FloatBuffer.wrap(layers.get(i).weight().data()));
                params.get("bias").getArray().set(FloatBuffer.wrap(layers.get(i).bias().data()));
            }
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static java.util.Optional<Block> activation(ModelArchitecture architecture) {
        return switch (architecture.hiddenActivation()) {
            case RELU -> java.util.Optional.of(Activation.reluBlock());
            case TANH -> java.util.Optional.of(Activation.tanhBlock());
            case SIGMOID -> java.util.Optional.of(Activation.sigmoidBlock());
            case IDENTITY -> java.util.Optional.empty();
        };
    }

    /** Runs {@code rows} inputs (row-major {@code [rows][inputs]}) through the model; returns {@code [rows][outputs]}. */
    public float[] forward(float[] input, int rows) {
        lock.readLock().lock();
        try {
            if (closed) {
                throw new ModelEvictedException();
            }
            try (NDManager scope = manager.newSubManager()) {
                var x = scope.create(input, new Shape(rows, inputs));
                NDList y = block.forward(new ParameterStore(scope, false), new NDList(x), false);
                return y.singletonOrThrow().toFloatArray();
            }
        } finally {
            lock.readLock().unlock();
        }
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
