package io.shardflow.helm;

import static io.shardflow.helm.Pods.podLabels;
import static io.shardflow.helm.Pods.selects;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Ingress in front of the API, and the NetworkPolicies around every component. */
class NetworkingTest {

    private final Rendered rendered = ValueSets.rendered(ValueSets.INGRESS_AND_NETWORK_POLICY);

    @Test
    void theIngressRoutesEveryPathToTheApiServicesPort() {
        var service = rendered.all(Service.class).getFirst();

        assertThat(rendered.all(Ingress.class)).singleElement().satisfies(ingress -> {
            var spec = ingress.getSpec();
            assertThat(spec.getIngressClassName()).isEqualTo("nginx");
            assertThat(spec.getTls()).singleElement().satisfies(tls -> {
                assertThat(tls.getSecretName()).isEqualTo("shardflow-tls");
                assertThat(tls.getHosts()).containsExactly("shardflow.example.com");
            });
            assertThat(ingress.getMetadata().getAnnotations())
                    .containsEntry("nginx.ingress.kubernetes.io/proxy-buffering", "off");
            assertThat(spec.getRules()).singleElement().satisfies(rule -> {
                assertThat(rule.getHost()).isEqualTo("shardflow.example.com");
                assertThat(rule.getHttp().getPaths()).singleElement().satisfies(path -> {
                    assertThat(path.getPath()).isEqualTo("/");
                    assertThat(path.getPathType()).isEqualTo("Prefix");
                    var backend = path.getBackend().getService();
                    assertThat(backend.getName())
                            .isEqualTo(service.getMetadata().getName());
                    assertThat(service.getSpec().getPorts())
                            .extracting(port -> port.getName())
                            .contains(backend.getPort().getName());
                });
            });
        });
    }

    @Test
    void everyComponentHasAPolicyOverItsOwnPodsInBothDirections() {
        var policies = rendered.all(NetworkPolicy.class);

        assertThat(policies).hasSize(3);
        for (var component : Component.values()) {
            var pods = podLabels(rendered.deployment(component.key));
            assertThat(policies)
                    .as("policies over %s's pods", component)
                    .filteredOn(policy -> selects(policy.getSpec().getPodSelector(), pods))
                    .singleElement()
                    .satisfies(policy -> assertThat(policy.getSpec().getPolicyTypes())
                            .containsExactlyInAnyOrder("Ingress", "Egress"));
        }
    }

    @Test
    void theApiTakesTrafficOnItsPortFromTheIngressControllerOnly() {
        var ingress = policy(Component.API).getSpec().getIngress();

        assertThat(ingress).singleElement().satisfies(rule -> {
            assertThat(rule.getPorts()).extracting(NetworkPolicyPort::getPort).containsExactly(new IntOrString("http"));
            assertThat(rule.getFrom())
                    .singleElement()
                    .satisfies(peer -> assertThat(peer.getNamespaceSelector().getMatchLabels())
                            .containsEntry("kubernetes.io/metadata.name", "ingress-nginx"));
        });
    }

    @Test
    void theSchedulerAndWorkersAcceptNothingButTheirProbes() {
        for (var component : List.of(Component.SCHEDULER, Component.WORKER)) {
            var probePort = rendered.container(component.key)
                    .getLivenessProbe()
                    .getHttpGet()
                    .getPort();
            assertThat(policy(component).getSpec().getIngress())
                    .as("%s's ingress", component)
                    .singleElement()
                    .satisfies(rule -> {
                        assertThat(rule.getPorts())
                                .extracting(NetworkPolicyPort::getPort)
                                .containsExactly(probePort);
                        assertThat(rule.getFrom())
                                .extracting(peer -> peer.getIpBlock().getCidr())
                                .containsExactly("10.0.0.0/16");
                    });
        }
    }

    @Test
    void podsReachOnlyDnsPostgresqlAndKafka() {
        for (var component : Component.values()) {
            var egress = policy(component).getSpec().getEgress();
            assertThat(egress)
                    .as("%s's egress ports", component)
                    .flatExtracting(rule -> rule.getPorts())
                    .extracting(
                            port -> port.getProtocol() + "/" + port.getPort().getIntVal())
                    .containsExactlyInAnyOrder("UDP/53", "TCP/53", "TCP/6432", "TCP/9092", "TCP/9093");
            assertThat(egress)
                    .filteredOn(rule -> rule.getPorts().getFirst().getPort().getIntVal() == 6432)
                    .singleElement()
                    .satisfies(rule -> assertThat(rule.getTo())
                            .extracting(NetworkPolicyPeer::getIpBlock)
                            .extracting(block -> block.getCidr())
                            .containsExactly("10.20.0.5/32"));
            assertThat(egress)
                    .filteredOn(rule -> rule.getPorts().getFirst().getPort().getIntVal() == 9092)
                    .singleElement()
                    .satisfies(rule -> assertThat(rule.getTo())
                            .singleElement()
                            .satisfies(peer -> assertThat(
                                            peer.getNamespaceSelector().getMatchLabels())
                                    .containsEntry("kubernetes.io/metadata.name", "kafka")));
        }
    }

    @Test
    void withoutPeersTheApiIsOpenAndEgressGoesToThePortsAnywhere() {
        var open = Chart.withDefaults().set("networkPolicy.enabled", true).render();

        var api = open.named(NetworkPolicy.class, Rendered.name("api")).orElseThrow();
        assertThat(api.getSpec().getIngress())
                .singleElement()
                .satisfies(rule -> assertThat(rule.getFrom()).isNullOrEmpty());
        assertThat(api.getSpec().getEgress())
                .allSatisfy(rule -> assertThat(rule.getTo()).isNullOrEmpty());
        assertThat(api.getSpec().getEgress())
                .flatExtracting(rule -> rule.getPorts())
                .extracting(port -> port.getPort().getIntVal())
                .containsExactlyInAnyOrder(53, 53, 5432, 9092);
        assertThat(open.unknownFields()).isEmpty();
    }

    private NetworkPolicy policy(Component component) {
        return rendered.named(NetworkPolicy.class, Rendered.name(component.key)).orElseThrow();
    }
}
