package io.shardflow.helm;

import static io.shardflow.helm.Pods.env;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** metrics: every pod reads the scrape token from the Secret and says where Prometheus finds its meters. */
class MetricsTest {

    @Test
    void everyPodReadsTheScrapeTokenFromTheSecretAndIsAnnotatedForPrometheus() {
        var rendered = Chart.withDefaults()
                .set("metrics.scrapeToken", "t0ken-of-more-than-24-characters")
                .render();

        var secret = rendered.named(Secret.class, "demo-shardflow").orElseThrow();
        assertThat(secret.getStringData()).containsEntry("metrics-scrape-token", "t0ken-of-more-than-24-characters");
        for (var component : Component.values()) {
            var token = env(rendered.container(component.key), "SHARDFLOW_METRICS_SCRAPE_TOKEN")
                    .orElseThrow()
                    .getValueFrom()
                    .getSecretKeyRef();
            assertThat(token.getName()).isEqualTo("demo-shardflow");
            assertThat(token.getKey()).isEqualTo("metrics-scrape-token");
            assertThat(token.getOptional())
                    .as("a Secret without it still starts the pods")
                    .isTrue();
            var pod = rendered.deployment(component.key).getSpec().getTemplate();
            int port = pod.getSpec()
                    .getContainers()
                    .getFirst()
                    .getPorts()
                    .getFirst()
                    .getContainerPort();
            assertThat(pod.getMetadata().getAnnotations())
                    .containsEntry("prometheus.io/scrape", "true")
                    .containsEntry("prometheus.io/port", Integer.toString(port))
                    .containsEntry("prometheus.io/path", "/actuator/prometheus");
        }
        assertThat(rendered.text()).doesNotContain("value: \"t0ken-of-more-than-24-characters\"");
        assertThat(rendered.untyped("PodMonitor")).isEmpty();
    }

    @Test
    void annotationsCanBeLeftOut() {
        var rendered = Chart.withDefaults().set("metrics.podAnnotations", false).render();

        for (var component : Component.values()) {
            var annotations = rendered.deployment(component.key)
                    .getSpec()
                    .getTemplate()
                    .getMetadata()
                    .getAnnotations();
            assertThat(annotations == null ? Map.of() : annotations).doesNotContainKey("prometheus.io/scrape");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aPodMonitorScrapesEveryComponentWithTheTokenFromTheSecret() {
        var rendered = Chart.withDefaults()
                .set("metrics.podMonitor.enabled", true)
                .set("metrics.podMonitor.labels.release", "prometheus")
                .set("existingSecret", "ops-secret")
                .render();

        var monitors = rendered.untyped("PodMonitor");
        assertThat(monitors).hasSize(1);
        var monitor = monitors.getFirst();
        assertThat(monitor).containsEntry("apiVersion", "monitoring.coreos.com/v1");
        var metadata = (Map<String, Object>) monitor.get("metadata");
        assertThat((Map<String, Object>) metadata.get("labels")).containsEntry("release", "prometheus");
        var spec = (Map<String, Object>) monitor.get("spec");
        var selector = (Map<String, Object>) ((Map<String, Object>) spec.get("selector")).get("matchLabels");
        assertThat(selector).doesNotContainKey("app.kubernetes.io/component");
        for (var component : Component.values()) {
            assertThat(rendered.deployment(component.key)
                            .getSpec()
                            .getTemplate()
                            .getMetadata()
                            .getLabels())
                    .containsAllEntriesOf((Map<String, String>) (Map<?, ?>) selector);
        }
        var endpoint = ((List<Map<String, Object>>) spec.get("podMetricsEndpoints")).getFirst();
        assertThat(endpoint)
                .containsEntry("port", "http")
                .containsEntry("path", "/actuator/prometheus")
                .containsEntry("interval", "15s");
        var credentials =
                (Map<String, Object>) ((Map<String, Object>) endpoint.get("authorization")).get("credentials");
        assertThat(credentials).containsEntry("name", "ops-secret").containsEntry("key", "metrics-scrape-token");
    }
}
