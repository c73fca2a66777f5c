package io.shardflow.worker.compute;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads DJL's PyTorch engine once, offline, with the intra-op thread count that matches the lanes (see
 * {@link #configure}), and says which devices this worker computes on.
 */
public class ComputeEngine {
    private static final Logger log = LoggerFactory.getLogger(ComputeEngine.class);

    private final Engine engine;
    private final Device device;

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

    /** Loads the engine (or takes the one already loaded in this process); {@link #configure} comes first. */
    public ComputeEngine() {
        this.engine = Engine.getEngine("PyTorch");
        this.device = engine.getGpuCount() > 0 ? Device.gpu(0) : Device.cpu();
        log.info("compute engine {} {} on {}", engine.getEngineName(), engine.getVersion(), device);
    }

    public Engine engine() {
        return engine;
    }

    public Device device() {
        return device;
    }

    public List<String> devices() {
        var devices = new ArrayList<String>();
        for (int i = 0; i < engine.getGpuCount(); i++) {
            devices.add(Device.gpu(i).toString());
        }
        if (devices.isEmpty()) {
            devices.add(Device.cpu().toString());
        }
        return devices;
    }
}
