package io.shardflow.helm;

import static io.shardflow.helm.Pods.env;
import static io.shardflow.helm.Pods.envValue;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** worker.gpu.count above 0 turns the workers into GPU workers, and only them. */
class GpuTest {

    private final Rendered rendered = ValueSets.rendered(ValueSets.GPU);

    @Test
    void theWorkerAsksForTheGpuRunsTheGpuImageAndIsToldToUseIt() {
        var worker = rendered.container("worker");

        assertThat(worker.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"));
        assertThat(worker.getResources().getLimits()).containsKeys("cpu", "memory");
        assertThat(worker.getImage()).isEqualTo("shardflow/worker-gpu:0.1.0");
        assertThat(envValue(worker, "SHARDFLOW_WORKER_DEVICE")).isEqualTo("gpu");
    }

    @Test
    void theWorkerToleratesTheGpuNodesTaint() {
        assertThat(rendered.deployment("worker")
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getTolerations())
                .contains(new TolerationBuilder()
                        .withKey("nvidia.com/gpu")
                        .withOperator("Exists")
                        .withEffect("NoSchedule")
                        .build());
    }

    @Test
    void theApiAndSchedulerAreUnchanged() {
        for (var component : new String[] {"api", "scheduler"}) {
            var container = rendered.container(component);
            assertThat(container.getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
            assertThat(container.getImage()).isEqualTo("shardflow/" + component + ":0.1.0");
            assertThat(env(container, "SHARDFLOW_WORKER_DEVICE")).isEmpty();
            assertThat(rendered.deployment(component)
                            .getSpec()
                            .getTemplate()
                            .getSpec()
                            .getTolerations())
                    .isNullOrEmpty();
        }
    }

    @Test
    void severalGpusAndAnImageTagOfTheirOwn() {
        var worker = Chart.withDefaults()
                .set("worker.gpu.count", 2)
                .set("worker.gpu.image.repository", "registry.example.com/shardflow/worker-cuda")
                .set("worker.gpu.image.tag", "0.1.0-cu124")
                .render()
                .container("worker");

        assertThat(worker.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("2"));
        assertThat(worker.getImage()).isEqualTo("registry.example.com/shardflow/worker-cuda:0.1.0-cu124");
    }

    @Test
    void eachComponentHasItsOwnPlacement() {
        var placed = Chart.withDefaults()
                .set("worker.gpu.count", 1)
                .set("worker.nodeSelector.cloud\\.google\\.com/gke-accelerator", "nvidia-l4")
                .set("api.nodeSelector.pool", "web")
                .set("scheduler.tolerations[0].key", "dedicated")
                .set("scheduler.tolerations[0].operator", "Exists")
                .set(
                        "worker.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
                                + ".nodeSelectorTerms[0].matchExpressions[0].key",
                        "gpu-memory")
                .set(
                        "worker.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
                                + ".nodeSelectorTerms[0].matchExpressions[0].operator",
                        "Exists")
                .render();

        var worker = placed.deployment("worker").getSpec().getTemplate().getSpec();
        var api = placed.deployment("api").getSpec().getTemplate().getSpec();
        var scheduler = placed.deployment("scheduler").getSpec().getTemplate().getSpec();
        assertThat(worker.getNodeSelector())
                .containsExactlyEntriesOf(Map.of("cloud.google.com/gke-accelerator", "nvidia-l4"));
        assertThat(worker.getAffinity().getNodeAffinity()).isNotNull();
        assertThat(api.getNodeSelector()).containsExactlyEntriesOf(Map.of("pool", "web"));
        assertThat(api.getAffinity()).isNull();
        assertThat(scheduler.getTolerations()).extracting(Toleration::getKey).containsExactly("dedicated");
        assertThat(scheduler.getNodeSelector()).isNullOrEmpty();
        // the worker keeps the GPU toleration besides any of its own
        assertThat(worker.getTolerations()).extracting(Toleration::getKey).containsExactly("nvidia.com/gpu");
        assertThat(placed.unknownFields()).isEmpty();
    }
}
