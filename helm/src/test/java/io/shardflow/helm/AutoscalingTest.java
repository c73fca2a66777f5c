package io.shardflow.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.shardflow.core.messaging.ConsumerGroups;
import io.shardflow.core.messaging.Topics;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** worker.autoscaling: KEDA on the workers' consumer lag, or a plain HorizontalPodAutoscaler on CPU. */
class AutoscalingTest {

    @Test
    void kedaScalesTheWorkersOnTheLagOfTheirGroupOnTheShardTasks() {
        var rendered = ValueSets.rendered(ValueSets.KEDA);

        var scaledObject = rendered.untyped("ScaledObject").getFirst();
        assertThat(rendered.untyped("ScaledObject")).hasSize(1);
        assertThat(scaledObject).containsEntry("apiVersion", "keda.sh/v1alpha1");
        var spec = map(scaledObject, "spec");
        assertThat(map(spec, "scaleTargetRef"))
                .containsEntry("apiVersion", "apps/v1")
                .containsEntry("kind", "Deployment")
                .containsEntry(
                        "name", rendered.deployment("worker").getMetadata().getName());
        assertThat(spec).containsEntry("minReplicaCount", 1).containsEntry("maxReplicaCount", 12);

        var triggers = list(spec, "triggers");
        assertThat(triggers).hasSize(1);
        var trigger = triggers.getFirst();
        assertThat(trigger).containsEntry("type", "kafka").doesNotContainKey("authenticationRef");
        assertThat(map(trigger, "metadata"))
                .containsEntry("bootstrapServers", "kafka:9092")
                .containsEntry("consumerGroup", "shardflow-workers")
                .containsEntry("topic", "shardflow.shard-tasks")
                // KEDA reads its metadata as strings
                .containsEntry("lagThreshold", "10")
                .doesNotContainKey("sasl");
        assertThat(rendered.untyped("TriggerAuthentication")).isEmpty();
    }

    @Test
    void kedaWatchesTheGroupAndTopicTheWorkersActuallyUse() {
        var metadata = map(
                list(
                                map(
                                        ValueSets.rendered(ValueSets.KEDA)
                                                .untyped("ScaledObject")
                                                .getFirst(),
                                        "spec"),
                                "triggers")
                        .getFirst(),
                "metadata");

        assertThat(metadata.get("consumerGroup")).isEqualTo(ConsumerGroups.WORKERS);
        assertThat(metadata.get("topic")).isEqualTo(Topics.SHARD_TASKS);
    }

    @Test
    void kedaOwnsTheWorkersReplicasAndNoHpaCompetes() {
        var rendered = ValueSets.rendered(ValueSets.KEDA);

        assertThat(rendered.all(HorizontalPodAutoscaler.class)).isEmpty();
        assertThat(rendered.deployment("worker").getSpec().getReplicas()).isNull();
        assertThat(rendered.deployment("api").getSpec().getReplicas()).isEqualTo(2);
    }

    @Test
    void kedaTunesFromValues() {
        var spec = map(
                Chart.withDefaults()
                        .set("worker.autoscaling.enabled", true)
                        .set("worker.autoscaling.minReplicas", 0)
                        .set("worker.autoscaling.maxReplicas", 6)
                        .set("worker.autoscaling.keda.lagThreshold", 50)
                        .set("kafka.bootstrapServers", "kafka-0.kafka:9092,kafka-1.kafka:9092")
                        .render()
                        .untyped("ScaledObject")
                        .getFirst(),
                "spec");

        assertThat(spec).containsEntry("minReplicaCount", 0).containsEntry("maxReplicaCount", 6);
        assertThat(map(list(spec, "triggers").getFirst(), "metadata"))
                .containsEntry("lagThreshold", "50")
                .containsEntry("bootstrapServers", "kafka-0.kafka:9092,kafka-1.kafka:9092");
    }

    @Test
    void kedaAuthenticatesToKafkaWithTheServicesSaslCredentials() {
        var rendered = ValueSets.rendered(ValueSets.KAFKA_SASL);

        var trigger = list(map(rendered.untyped("ScaledObject").getFirst(), "spec"), "triggers")
                .getFirst();
        assertThat(map(trigger, "metadata"))
                .containsEntry("sasl", "scram_sha512")
                .containsEntry("tls", "enable")
                .containsEntry("bootstrapServers", "broker-1.example.com:9096,broker-2.example.com:9096");
        var authentication = rendered.untyped("TriggerAuthentication");
        assertThat(authentication).hasSize(1);
        assertThat(map(trigger, "authenticationRef"))
                .containsEntry(
                        "name", map(authentication.getFirst(), "metadata").get("name"));
        assertThat(list(map(authentication.getFirst(), "spec"), "secretTargetRef"))
                .containsExactlyInAnyOrder(
                        Map.of("parameter", "username", "name", "demo-shardflow", "key", "kafka-sasl-username"),
                        Map.of("parameter", "password", "name", "demo-shardflow", "key", "kafka-sasl-password"));
    }

    @Test
    void anHpaScalesTheWorkersOnCpuInsteadOfKeda() {
        var rendered = ValueSets.rendered(ValueSets.HPA);

        assertThat(rendered.untyped("ScaledObject")).isEmpty();
        assertThat(rendered.deployment("worker").getSpec().getReplicas()).isNull();
        assertThat(rendered.all(HorizontalPodAutoscaler.class)).singleElement().satisfies(hpa -> {
            var spec = hpa.getSpec();
            assertThat(spec.getScaleTargetRef().getKind()).isEqualTo("Deployment");
            assertThat(spec.getScaleTargetRef().getApiVersion()).isEqualTo("apps/v1");
            assertThat(spec.getScaleTargetRef().getName())
                    .isEqualTo(rendered.deployment("worker").getMetadata().getName());
            assertThat(spec.getMinReplicas()).isEqualTo(1);
            assertThat(spec.getMaxReplicas()).isEqualTo(12);
            assertThat(spec.getMetrics()).singleElement().satisfies(metric -> {
                assertThat(metric.getType()).isEqualTo("Resource");
                assertThat(metric.getResource().getName()).isEqualTo("cpu");
                assertThat(metric.getResource().getTarget().getType()).isEqualTo("Utilization");
                assertThat(metric.getResource().getTarget().getAverageUtilization())
                        .isEqualTo(70);
            });
        });
    }

    @Test
    void withoutAutoscalingTheWorkersRunTheirReplicas() {
        var rendered = Chart.withDefaults()
                .set("worker.replicas", 5)
                .set("worker.autoscaling.kind", "hpa")
                .render();

        assertThat(rendered.deployment("worker").getSpec().getReplicas()).isEqualTo(5);
        assertThat(rendered.all(HorizontalPodAutoscaler.class)).isEmpty();
        assertThat(rendered.untyped("ScaledObject")).isEmpty();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        assertThat(parent).containsKey(key);
        return (Map<String, Object>) parent.get(key);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        assertThat(parent).containsKey(key);
        return (List<Map<String, Object>>) parent.get(key);
    }
}
