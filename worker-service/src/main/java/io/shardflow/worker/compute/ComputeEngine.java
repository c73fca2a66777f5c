package io.shardflow.worker.compute;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.shardflow.worker.WorkerSettings;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads DJL's PyTorch engine once, offline, with the intra-op thread count that matches the lanes, and says
 * which devices this worker computes on.
 */
public class ComputeEngine {
    private static final Logger log = LoggerFactory.getLogger(ComputeEngine.class);

    private final Engine engine;
    private final Device device;

    public ComputeEngine(WorkerSettings settings) {
        // natives come from the Maven jar: never download at run time
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(settings.intraOpThreads()));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
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
