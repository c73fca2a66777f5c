package io.shardflow.helm;

import static io.shardflow.helm.Pods.env;
import static io.shardflow.helm.Pods.envValue;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import org.junit.jupiter.api.Test;

/** What an install with no values of its own gets. */
class DefaultsTest {

    private final Rendered rendered = ValueSets.rendered(ValueSets.DEFAULTS);

    @Test
    void eachComponentRunsItsOwnImageAtTheChartsAppVersion() {
        assertThat(rendered.container("api").getImage()).isEqualTo("shardflow/api:0.1.0");
        assertThat(rendered.container("scheduler").getImage()).isEqualTo("shardflow/scheduler:0.1.0");
        assertThat(rendered.container("worker").getImage()).isEqualTo("shardflow/worker:0.1.0");
        for (var component : Component.values()) {
            assertThat(rendered.container(component.key).getImagePullPolicy()).isEqualTo("IfNotPresent");
            assertThat(rendered.deployment(component.key).getSpec().getReplicas())
                    .isEqualTo(2);
        }
    }

    @Test
    void theJvmSizesItsHeapFromTheLimitAndLeavesTheWorkerRoomForPyTorch() {
        assertThat(envValue(rendered.container("api"), "JAVA_TOOL_OPTIONS"))
                .contains("-XX:MaxRAMPercentage=75.0")
                .contains("-XX:+ExitOnOutOfMemoryError");
        assertThat(envValue(rendered.container("worker"), "JAVA_TOOL_OPTIONS")).contains("-XX:MaxRAMPercentage=50.0");
    }

    @Test
    void servicesAreToldWhereTheDatabaseAndBrokerAre() {
        for (var component : Component.values()) {
            var container = rendered.container(component.key);
            assertThat(envValue(container, "SPRING_DATASOURCE_URL"))
                    .isEqualTo("jdbc:postgresql://postgresql:5432/shardflow");
            assertThat(envValue(container, "SPRING_KAFKA_BOOTSTRAP_SERVERS")).isEqualTo("kafka:9092");
            assertThat(env(container, "SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG"))
                    .isEmpty();
        }
    }

    @Test
    void theWorkerUnpacksPyTorchIntoAWritableEmptyDir() {
        var worker = rendered.container("worker");
        var cache = envValue(worker, "ENGINE_CACHE_DIR");

        assertThat(cache).isEqualTo("/var/cache/djl");
        assertThat(WorkloadsTest.emptyDirMounts(rendered.deployment("worker"), worker))
                .containsKey(cache);
        assertThat(worker.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    }

    @Test
    void theWorkerRunsOnCpuWithoutAGpu() {
        var worker = rendered.container("worker");

        assertThat(worker.getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
        assertThat(env(worker, "SHARDFLOW_WORKER_DEVICE")).isEmpty();
        assertThat(rendered.deployment("worker")
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getTolerations())
                .isNullOrEmpty();
    }

    @Test
    void nothingOptionalIsRendered() {
        assertThat(rendered.untyped("ScaledObject")).isEmpty();
        assertThat(rendered.all(HorizontalPodAutoscaler.class)).isEmpty();
        assertThat(rendered.all(Ingress.class)).isEmpty();
        assertThat(rendered.all(NetworkPolicy.class)).isEmpty();
    }

    @Test
    void podsGetNoApiTokenAndNoServiceLinks() {
        assertThat(rendered.all(ServiceAccount.class))
                .singleElement()
                .satisfies(account ->
                        assertThat(account.getAutomountServiceAccountToken()).isFalse());
        for (var component : Component.values()) {
            var pod = rendered.deployment(component.key).getSpec().getTemplate().getSpec();
            assertThat(pod.getServiceAccountName()).isEqualTo("demo-shardflow");
            assertThat(pod.getAutomountServiceAccountToken()).isFalse();
            // a Service's link variables (SHARDFLOW_API_PORT, ...) would be read by Spring as settings
            assertThat(pod.getEnableServiceLinks()).isFalse();
        }
    }
}
