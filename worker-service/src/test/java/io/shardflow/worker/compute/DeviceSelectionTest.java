package io.shardflow.worker.compute;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

class DeviceSelectionTest {

    @Test
    void autoTakesEveryVisibleGpuOrTheCpu() {
        assertThat(DeviceSelection.of("auto", 0).devices()).containsExactly(Device.cpu());
        assertThat(DeviceSelection.of("auto", 2).devices()).containsExactly(Device.gpu(0), Device.gpu(1));
    }

    @Test
    void cpuStaysOnTheCpuWhateverIsVisible() {
        assertThat(DeviceSelection.of("CPU", 4).devices()).containsExactly(Device.cpu());
    }

    @Test
    void lanesGoRoundTheChosenGpus() {
        var selection = DeviceSelection.of(" 2, 0 ,2", 3);

        assertThat(selection.devices()).containsExactly(Device.gpu(2), Device.gpu(0));
        assertThat(selection.lanes(5)).containsExactly("gpu(2)", "gpu(0)", "gpu(2)", "gpu(0)", "gpu(2)");
        assertThat(DeviceSelection.of("gpu", 2).lane(3)).isEqualTo(Device.gpu(1));
    }

    @Test
    void askingForAGpuThatIsNotThereSaysWhy() {
        assertThatThrownBy(() -> DeviceSelection.of("gpu", 0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PyTorch sees none")
                .hasMessageContaining("-Pgpu");
        assertThatThrownBy(() -> DeviceSelection.of("0", 0)).hasMessageContaining("PyTorch sees none");
        assertThatThrownBy(() -> DeviceSelection.of("1,3", 2))
                .hasMessageContaining("names GPU 3")
                .hasMessageContaining("sees 2 GPU(s)");
    }

    @Test
    void anythingElseIsRefusedWithTheForms() {
        assertThatThrownBy(() -> DeviceSelection.of("cuda:0", 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("auto, cpu, gpu or GPU indices")
                .hasMessageContaining("'cuda:0'");
    }
}
