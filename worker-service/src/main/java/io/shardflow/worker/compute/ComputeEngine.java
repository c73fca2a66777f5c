package io.shardflow.worker.compute;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads DJL's PyTorch engine once, offline, with the intra-op thread count that matches the lanes (see
 * {@link #configure}), and says which device each lane computes on ({@link DeviceSelection}). A lane thread binds
 * itself to the next lane number on its first task ({@link #bindLane}); lane {@code i} then computes on device
 * {@code i mod n}, and so do the models and networks it loads. Threads that are not lanes (the generation loop)
 * compute on the first device.
 */
public class ComputeEngine {
    private static final Logger log = LoggerFactory.getLogger(ComputeEngine.class);

    private final Engine engine;
    private final DeviceSelection selection;
    private final AtomicInteger nextLane = new AtomicInteger();
    private final ThreadLocal<@Nullable Device> laneDevice = new ThreadLocal<>();

    /**
     * Sets what DJL reads once per process, when the first engine loads: offline (the natives come from the Maven
     * jar, never downloaded at run time), {@code intraOpThreads} PyTorch threads per operation, and one inter-op
     * thread (the lanes are the parallelism). They are JVM-wide system properties because that is how DJL takes
     * them: PyTorch accepts the inter-op count only once per process, before any parallel work, so setting it
     * through DJL's JNI after the engine loaded would fail in a JVM that runs a second context. Call this before
     * anything asks DJL for an engine; later calls change nothing in an engine already loaded. The worker's
     * configuration calls it in the engine's bean method.
     */
    public static void configure(int intraOpThreads) {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(intraOpThreads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }

    /**
     * Loads the engine (or takes the one already loaded in this process) and resolves {@code device}, the
     * {@code shardflow.worker.device} setting, against the GPUs PyTorch sees; {@link #configure} comes first.
     */
    public ComputeEngine(String device) {
        this.engine = Engine.getEngine("PyTorch");
        this.selection = DeviceSelection.of(device, engine.getGpuCount());
        log.info(
                "compute engine {} {}: {} GPU(s) visible, lanes on {}",
                engine.getEngineName(),
                engine.getVersion(),
                engine.getGpuCount(),
                selection.devices());
    }

    public Engine engine() {
        return engine;
    }

    /** The device the calling thread computes on: its lane's, or the first device for a thread that is no lane. */
    public Device device() {
        var bound = laneDevice.get();
        return bound != null ? bound : selection.lane(0);
    }

    /** Makes the calling thread the next lane, once: from now on it computes on that lane's device. */
    public void bindLane() {
        if (laneDevice.get() == null) {
            laneDevice.set(selection.lane(nextLane.getAndIncrement()));
        }
    }

    /** The devices the lanes use, each once. */
    public List<String> devices() {
        return selection.devices().stream().map(Device::toString).toList();
    }

    /** Each of {@code lanes} lanes' device, in lane order. */
    public List<String> laneDevices(int lanes) {
        return selection.lanes(lanes);
    }
}
