package io.shardflow.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Secret;
import org.junit.jupiter.api.Test;

/** Values that cannot work stop the install with a message, instead of pods that misbehave later. */
class ValuesChecksTest {

    @Test
    void aGracePeriodShorterThanTheGracefulStopIsRefused() {
        var tooShort = Chart.withDefaults().set("terminationGracePeriodSeconds", 30);

        assertThatThrownBy(tooShort::renderText)
                .hasMessageContaining("terminationGracePeriodSeconds (30) must exceed")
                .hasMessageContaining("(35)");
    }

    @Test
    void aLongerStopNeedsALongerGracePeriod() {
        var longer = Chart.withDefaults()
                .set("shutdownPhaseSeconds", 60)
                .set("terminationGracePeriodSeconds", 75)
                .render();

        var worker = longer.deployment("worker").getSpec().getTemplate().getSpec();
        assertThat(worker.getTerminationGracePeriodSeconds()).isEqualTo(75L);
        assertThat(Pods.envValue(longer.container("worker"), "SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE"))
                .isEqualTo("60s");
        assertThatThrownBy(() ->
                        Chart.withDefaults().set("shutdownPhaseSeconds", 60).renderText())
                .hasMessageContaining("terminationGracePeriodSeconds (45) must exceed");
    }

    @Test
    void anUnknownAutoscalerIsRefused() {
        var unknown =
                Chart.withDefaults().set("worker.autoscaling.enabled", true).set("worker.autoscaling.kind", "vpa");

        assertThatThrownBy(unknown::renderText).hasMessageContaining("worker.autoscaling.kind must be keda or hpa");
    }

    @Test
    void anUnknownSaslMechanismIsRefused() {
        var unknown = Chart.withDefaults().set("kafka.sasl.enabled", true).set("kafka.sasl.mechanism", "GSSAPI");

        assertThatThrownBy(unknown::renderText).hasMessageContaining("kafka.sasl.mechanism must be");
    }

    @Test
    void anUnknownSecurityModeIsRefused() {
        var unknown = Chart.withDefaults().set("security.mode", "basic");

        assertThatThrownBy(unknown::renderText)
                .hasMessageContaining("security.mode must be api-keys or oidc, not \"basic\"");
    }

    @Test
    void oidcModeWithoutAWayToTheSigningKeysIsRefused() {
        var nowhere = Chart.withDefaults().set("security.mode", "oidc");

        assertThatThrownBy(nowhere::renderText)
                .hasMessageContaining("security.mode oidc needs security.oidc.issuerUri or security.oidc.jwkSetUri");
    }

    @Test
    void aBootstrapKeyTheApiWouldRejectIsRefused() {
        var tooShort = Chart.withDefaults().set("security.bootstrapAdminKey", "changeme");

        assertThatThrownBy(tooShort::renderText)
                .hasMessageContaining("security.bootstrapAdminKey has 8 characters")
                .hasMessageContaining("at least 24");
        // with existingSecret the value is not used, so it is not checked either
        assertThat(Chart.withDefaults()
                        .set("existingSecret", ValueSets.OWN_SECRET)
                        .set("security.bootstrapAdminKey", "changeme")
                        .render()
                        .all(Secret.class))
                .isEmpty();
    }

    @Test
    void kubernetesOwnSleepActionReplacesTheSleepCommand() {
        var rendered = Chart.withDefaults().set("preStopSleepAction", true).render();

        for (var component : Component.values()) {
            var preStop = rendered.container(component.key).getLifecycle().getPreStop();
            assertThat(preStop.getExec()).isNull();
            assertThat(preStop.getSleep().getSeconds()).isEqualTo(5L);
        }
        assertThat(rendered.unknownFields()).isEmpty();
    }
}
