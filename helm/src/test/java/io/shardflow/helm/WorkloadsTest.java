package io.shardflow.helm;

import static io.shardflow.helm.Pods.envValue;
import static io.shardflow.helm.Pods.podLabels;
import static io.shardflow.helm.Pods.selects;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What must hold of every workload whatever the values: each check runs over every value set of {@link ValueSets}. */
class WorkloadsTest {

    private static final String SETS = "io.shardflow.helm.ValueSets#names";

    @ParameterizedTest(name = "{0}")
    @MethodSource(SETS)
    void rendersOnlyFieldsKubernetesKnows(String set) {
        var rendered = ValueSets.rendered(set);

        assertThat(rendered.all(Deployment.class)).hasSize(3);
        assertThat(rendered.unknownFields()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(SETS)
    void everyObjectCarriesTheStandardLabels(String set) {
        for (var object : ValueSets.rendered(set).typed()) {
            assertThat(object.getMetadata().getLabels())
                    .as("%s %s", object.getKind(), object.getMetadata().getName())
                    .containsEntry("app.kubernetes.io/name", "shardflow")
                    .containsEntry("app.kubernetes.io/instance", Chart.RELEASE)
                    .containsEntry("app.kubernetes.io/managed-by", "Helm")
                    .containsEntry("app.kubernetes.io/version", "0.1.0")
                    .containsEntry("helm.sh/chart", "shardflow-0.1.0");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(SETS)
    void eachDeploymentSelectsItsOwnPodsAndNoOtherComponents(String set) {
        var rendered = ValueSets.rendered(set);
        for (var component : Component.values()) {
            var deployment = rendered.deployment(component.key);
            assertThat(podLabels(deployment)).containsEntry("app.kubernetes.io/component", component.key);
            for (var other : Component.values()) {
                assertThat(selects(deployment.getSpec().getSelector(), podLabels(rendered.deployment(other.key))))
                        .as("%s's selector on %s's pods", component, other)
                        .isEqualTo(other == component);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(SETS)
    void everyContainerIsProbedOnItsHealthGroupsAndItsOwnPort(String set) {
        var rendered = ValueSets.rendered(set);
        for (var component : Component.values()) {
            var container = rendered.container(component.key);
            assertThat(container.getPorts()).singleElement().satisfies(port -> {
                assertThat(port.getName()).isEqualTo("http");
                assertThat(port.getContainerPort()).isEqualTo(component.port);
            });
            // the service listens where the probes knock
            assertThat(envValue(container, "SERVER_PORT")).isEqualTo(String.valueOf(component.port));
            assertProbe(container.getLivenessProbe(), "/actuator/health/liveness");
            assertProbe(container.getReadinessProbe(), "/actuator/health/readiness");
            assertProbe(container.getStartupProbe(), "/actuator/health/liveness");
        }
    }

    private static void assertProbe(Probe probe, String path) {
        assertThat(probe).isNotNull();
        assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
        assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
        assertThat(probe.getPeriodSeconds()).isPositive();
        assertThat(probe.getFailureThreshold()).isPositive();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(SETS)
    void theWorkerMayTakeTwoMinutesToStart(String set) {
        var rendered = ValueSets.rendered(set);

        assertThat(startupAllowance(rendered.container("worker").getStartupProbe()))
                .isGreaterThanOrEqualTo(Duration.ofMinutes(2));
        assertThat(startupAllowance(rendered.container("api").getStartupProbe()))
                .isGreaterThanOrEqualTo(Duration.ofMinutes(1));
    }

    /** How long a container may take to start before the kubelet restarts it. */
    private static Duration startupAllowance(Probe probe) {
        var initial = probe.getInitialDelaySeconds() == null ? 0 : probe.getInitialDelaySeconds();
        return Duration.ofSeconds(initial + (long) probe.getPeriodSeconds() * probe.getFailureThreshold());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(SETS)
    void everyContainerRequestsAndLimitsCpuAndMemory(String set) {
        var rendered = ValueSets.rendered(set);
        for (var component : Component.values()) {
            var resources = rendered.container(component.key).getResources();
            assertThat(resources.getRequests()).as("%s requests", component).containsKeys("cpu", "memory");
            assertThat(resources.getLimits()).as("%s limits", component).containsKeys("cpu", "memory");
            assertThat(Quantity.getAmountInBytes(resources.getLimits().get("memory")))
                    .as("%s memory limit", component)
                    .isGreaterThanOrEqualTo(
                            Quantity.getAmountInBytes(resources.getRequests().get("memory")));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(SETS)
    void everyContainerRunsAsNonRootWithoutCapabilitiesOnAReadOnlyRoot(String set) {
        var rendered = ValueSets.rendered(set);
        for (var component : Component.values()) {
            var pod = rendered.deployment(component.key).getSpec().getTemplate().getSpec();
            assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
            assertThat(pod.getSecurityContext().getRunAsUser()).isNotNull().isNotZero();

            var container = rendered.container(component.key);
            var context = container.getSecurityContext();
            assertThat(context.getRunAsNonRoot()).isTrue();
            assertThat(context.getAllowPrivilegeEscalation()).isFalse();
            assertThat(context.getReadOnlyRootFilesystem()).isTrue();
            assertThat(context.getCapabilities().getDrop()).contains("ALL");
            assertThat(context.getCapabilities().getAdd()).isNullOrEmpty();
            assertThat(context.getPrivileged()).isNotEqualTo(Boolean.TRUE);

            // with a read-only root, the JVM's temporary files need a volume of their own
            assertThat(emptyDirMounts(rendered.deployment(component.key), container))
                    .containsKey("/tmp");
        }
    }

    /** The container's mount paths that an emptyDir volume of the pod backs. */
    static Map<String, String> emptyDirMounts(Deployment deployment, Container container) {
        var emptyDirs = deployment.getSpec().getTemplate().getSpec().getVolumes().stream()
                .filter(volume -> volume.getEmptyDir() != null)
                .map(volume -> volume.getName())
                .collect(Collectors.toSet());
        return container.getVolumeMounts().stream()
                .filter(mount -> emptyDirs.contains(mount.getName()))
                .filter(mount -> !Boolean.TRUE.equals(mount.getReadOnly()))
                .collect(Collectors.toMap(mount -> mount.getMountPath(), mount -> mount.getName()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(SETS)
    void podsPauseBeforeSigtermAndGetTheirWholeGracefulStop(String set) {
        var rendered = ValueSets.rendered(set);
        for (var component : Component.values()) {
            var pod = rendered.deployment(component.key).getSpec().getTemplate().getSpec();
            var container = rendered.container(component.key);
            var preStop = container.getLifecycle().getPreStop();
            assertThat(preStop.getExec().getCommand()).containsExactly("sleep", "5");
            var pause = Duration.ofSeconds(5);
            var shutdownPhase =
                    Duration.parse("PT" + envValue(container, "SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE"));
            assertThat(shutdownPhase).isEqualTo(Duration.ofSeconds(30));

            assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(45L);
            assertThat(Duration.ofSeconds(pod.getTerminationGracePeriodSeconds()))
                    .as("%s: a pod must not be killed while it hands back its shards", component)
                    .isGreaterThan(pause.plus(shutdownPhase));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(SETS)
    void everyComponentHasADisruptionBudgetOverItsOwnPods(String set) {
        var rendered = ValueSets.rendered(set);
        var budgets = rendered.all(PodDisruptionBudget.class);

        assertThat(budgets).hasSize(3);
        for (var component : Component.values()) {
            var pods = podLabels(rendered.deployment(component.key));
            assertThat(budgets)
                    .as("budgets over %s's pods", component)
                    .filteredOn(budget -> selects(budget.getSpec().getSelector(), pods))
                    .singleElement()
                    .satisfies(budget -> assertThat(
                                    budget.getSpec().getMaxUnavailable().getIntVal())
                            .isEqualTo(1));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(SETS)
    void theApiServiceSelectsTheApiPodsAndOnlyThem(String set) {
        var rendered = ValueSets.rendered(set);
        var services = rendered.all(Service.class);

        assertThat(services).singleElement().satisfies(service -> {
            for (var component : Component.values()) {
                assertThat(selects(service.getSpec().getSelector(), podLabels(rendered.deployment(component.key))))
                        .as("the Service selects %s's pods", component)
                        .isEqualTo(component == Component.API);
            }
            assertThat(service.getSpec().getPorts())
                    .singleElement()
                    .satisfies(port -> assertThat(port.getTargetPort().getStrVal())
                            .isEqualTo(rendered.container("api")
                                    .getPorts()
                                    .getFirst()
                                    .getName()));
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource(SETS)
    void credentialsAreReadFromASecretThatHoldsThem(String set) {
        var rendered = ValueSets.rendered(set);
        var secrets = rendered.all(Secret.class);
        for (var component : Component.values()) {
            var container = rendered.container(component.key);
            for (var variable : container.getEnv()) {
                if (!variable.getName().endsWith("_USERNAME")
                        && !variable.getName().endsWith("_PASSWORD")
                        && !variable.getName().endsWith("_KEY")) {
                    continue;
                }
                assertThat(variable.getValue())
                        .as("%s's %s is no literal", component, variable.getName())
                        .isNull();
                var reference = variable.getValueFrom().getSecretKeyRef();
                if (set.equals(ValueSets.EXISTING_SECRET)) {
                    assertThat(reference.getName()).isEqualTo(ValueSets.OWN_SECRET);
                } else {
                    assertThat(secrets)
                            .as("%s's %s is read from a Secret the chart creates", component, variable.getName())
                            .anySatisfy(secret -> {
                                assertThat(secret.getMetadata().getName()).isEqualTo(reference.getName());
                                // an optional key (the bootstrap ADMIN key) may be absent: the pod starts without it
                                if (!Boolean.TRUE.equals(reference.getOptional())) {
                                    assertThat(secret.getStringData()).containsKey(reference.getKey());
                                }
                            });
                }
            }
            assertThat(Pods.env(container, "SPRING_DATASOURCE_USERNAME")).isPresent();
            assertThat(Pods.env(container, "SPRING_DATASOURCE_PASSWORD")).isPresent();
        }
    }
}
