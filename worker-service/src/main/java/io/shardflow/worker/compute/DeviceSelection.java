package io.shardflow.worker.compute;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which devices a worker's lanes compute on ({@code shardflow.worker.device}): {@code auto} (every visible GPU, or the
 * CPU without one), {@code cpu}, {@code gpu} (every visible GPU; none is an error), or GPU indices such as
 * {@code 0,2}. Lane {@code i} computes on device {@code i mod n}.
 */
public record DeviceSelection(List<Device> devices) {
    public static final String PATTERN = "auto|cpu|gpu|\\d+(\\s*,\\s*\\d+)*";

    public DeviceSelection {
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("a worker needs at least one device");
        }
        devices = List.copyOf(devices);
    }

    /** The devices {@code setting} names on a machine where PyTorch sees {@code gpus} GPUs. */
    public static DeviceSelection of(String setting, int gpus) {
        var value = setting.strip().toLowerCase(Locale.ROOT);
        return switch (value) {
            case "auto" -> new DeviceSelection(gpus > 0 ? allGpus(gpus) : List.of(Device.cpu()));
            case "cpu" -> new DeviceSelection(List.of(Device.cpu()));
            case "gpu" -> {
                if (gpus == 0) {
                    throw new IllegalStateException(noGpu(setting));
                }
                yield new DeviceSelection(allGpus(gpus));
            }
            default -> new DeviceSelection(indices(setting, value, gpus));
        };
    }

    /** The device of lane {@code lane}. */
    public Device lane(int lane) {
        return devices.get(Math.floorMod(lane, devices.size()));
    }

    /** Each lane's device, in lane order. */
    public List<String> lanes(int lanes) {
        var names = new ArrayList<String>(lanes);
        for (int i = 0; i < lanes; i++) {
            names.add(lane(i).toString());
        }
        return names;
    }

    private static List<Device> allGpus(int gpus) {
        var all = new ArrayList<Device>(gpus);
        for (int i = 0; i < gpus; i++) {
            all.add(Device.gpu(i));
        }
        return all;
    }

    private static List<Device> indices(String setting, String value, int gpus) {
        if (!value.matches(PATTERN)) {
            throw new IllegalArgumentException("shardflow.worker.device must be auto, cpu, gpu or GPU indices such as"
                    + " 0,1; got '" + setting + "'");
        }
        if (gpus == 0) {
            throw new IllegalStateException(noGpu(setting));
        }
        var chosen = new ArrayList<Device>();
        for (var part : value.split(",")) {
            int index = Integer.parseInt(part.strip());
            if (index >= gpus) {
                throw new IllegalStateException("shardflow.worker.device=" + setting + " names GPU " + index
                        + ", but PyTorch sees " + gpus + " GPU(s) (0.." + (gpus - 1)
                        + "; CUDA_VISIBLE_DEVICES renumbers"
                        + " them)");
            }
            var device = Device.gpu(index);
            if (!chosen.contains(device)) {
                chosen.add(device);
            }
        }
        return chosen;
    }

    private static String noGpu(String setting) {
        return "shardflow.worker.device=" + setting + " asks for a GPU, but PyTorch sees none: this worker was built"
                + " with PyTorch's CPU library (build with -Pgpu for the CUDA one) or the machine shows it no GPU"
                + " (driver, CUDA_VISIBLE_DEVICES, nvidia.com/gpu in the pod's limits)";
    }
}
