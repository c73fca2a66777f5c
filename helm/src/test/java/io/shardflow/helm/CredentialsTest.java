package io.shardflow.helm;

import static io.shardflow.helm.Pods.env;
import static io.shardflow.helm.Pods.envValue;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Database and Kafka credentials travel in a Secret: the chart's own, or one the operator names. */
class CredentialsTest {

    @Test
    void theChartsSecretHoldsTheDatabaseCredentialsTheContainersRead() {
        var rendered = Chart.withDefaults()
                .set("database.username", "jobs")
                .set("database.password", "s3cret")
                .render();

        var secret = rendered.named(Secret.class, "demo-shardflow").orElseThrow();
        assertThat(secret.getStringData())
                .containsExactlyInAnyOrderEntriesOf(Map.of("database-username", "jobs", "database-password", "s3cret"));
        for (var component : Component.values()) {
            var container = rendered.container(component.key);
            assertSecretRef(container.getEnv(), "SPRING_DATASOURCE_USERNAME", "demo-shardflow", "database-username");
            assertSecretRef(container.getEnv(), "SPRING_DATASOURCE_PASSWORD", "demo-shardflow", "database-password");
        }
        assertThat(rendered.text()).doesNotContain("value: \"s3cret\"");
    }

    @Test
    void anExistingSecretReplacesTheChartsOwn() {
        var rendered = ValueSets.rendered(ValueSets.EXISTING_SECRET);

        assertThat(rendered.all(Secret.class)).isEmpty();
        for (var component : Component.values()) {
            var container = rendered.container(component.key);
            assertSecretRef(
                    container.getEnv(), "SPRING_DATASOURCE_USERNAME", ValueSets.OWN_SECRET, "database-username");
            assertSecretRef(
                    container.getEnv(), "SPRING_DATASOURCE_PASSWORD", ValueSets.OWN_SECRET, "database-password");
            // no checksum of a Secret the chart does not render
            assertThat(rendered.deployment(component.key)
                            .getSpec()
                            .getTemplate()
                            .getMetadata()
                            .getAnnotations())
                    .doesNotContainKey("checksum/secret");
        }
    }

    @Test
    void theSecretsKeysCanBeRenamedToFitAnExistingSecret() {
        var rendered = Chart.withDefaults()
                .set("existingSecret", "db-owner")
                .set("secretKeys.databaseUsername", "user")
                .set("secretKeys.databasePassword", "password")
                .render();

        assertSecretRef(rendered.container("worker").getEnv(), "SPRING_DATASOURCE_USERNAME", "db-owner", "user");
        assertSecretRef(rendered.container("worker").getEnv(), "SPRING_DATASOURCE_PASSWORD", "db-owner", "password");
    }

    @Test
    void changedCredentialsRestartThePods() {
        var before = Chart.withDefaults().set("database.password", "one").render();
        var after = Chart.withDefaults().set("database.password", "two").render();

        for (var component : Component.values()) {
            assertThat(checksum(after, component)).isNotEqualTo(checksum(before, component));
        }
    }

    private static String checksum(Rendered rendered, Component component) {
        return rendered.deployment(component.key)
                .getSpec()
                .getTemplate()
                .getMetadata()
                .getAnnotations()
                .get("checksum/secret");
    }

    @Test
    void kafkaSaslCredentialsComeFromTheSecretIntoTheJaasLine() {
        var rendered = ValueSets.rendered(ValueSets.KAFKA_SASL);

        var secret = rendered.named(Secret.class, "demo-shardflow").orElseThrow();
        assertThat(secret.getStringData())
                .containsEntry("kafka-sasl-username", "shardflow")
                .containsEntry("kafka-sasl-password", "kafka-secret");
        for (var component : Component.values()) {
            var container = rendered.container(component.key);
            var env = container.getEnv();
            assertThat(envValue(container, "SPRING_KAFKA_BOOTSTRAP_SERVERS"))
                    .isEqualTo("broker-1.example.com:9096,broker-2.example.com:9096");
            assertSecretRef(env, "KAFKA_SASL_USERNAME", "demo-shardflow", "kafka-sasl-username");
            assertSecretRef(env, "KAFKA_SASL_PASSWORD", "demo-shardflow", "kafka-sasl-password");
            assertThat(envValue(container, "SPRING_KAFKA_SECURITY_PROTOCOL")).isEqualTo("SASL_SSL");
            assertThat(envValue(container, "SPRING_KAFKA_PROPERTIES_SASL_MECHANISM"))
                    .isEqualTo("SCRAM-SHA-512");
            assertThat(envValue(container, "SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG"))
                    .isEqualTo("org.apache.kafka.common.security.scram.ScramLoginModule required"
                            + " username=\"$(KAFKA_SASL_USERNAME)\" password=\"$(KAFKA_SASL_PASSWORD)\";");
            // Kubernetes expands $(NAME) only from variables defined earlier in the list
            assertThat(indexOf(env, "KAFKA_SASL_USERNAME"))
                    .isLessThan(indexOf(env, "SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG"));
            assertThat(indexOf(env, "KAFKA_SASL_PASSWORD"))
                    .isLessThan(indexOf(env, "SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG"));
        }
        assertThat(rendered.text()).doesNotContain("password=\"kafka-secret\"");
    }

    @Test
    void plainSaslUsesThePlainLoginModule() {
        var worker = Chart.withDefaults()
                .set("kafka.sasl.enabled", true)
                .set("kafka.sasl.mechanism", "PLAIN")
                .render()
                .container("worker");

        assertThat(envValue(worker, "SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG"))
                .startsWith("org.apache.kafka.common.security.plain.PlainLoginModule required ");
        assertThat(env(worker, "KAFKA_SASL_PASSWORD")).isPresent();
    }

    private static int indexOf(List<EnvVar> env, String name) {
        for (var i = 0; i < env.size(); i++) {
            if (env.get(i).getName().equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no " + name);
    }

    private static void assertSecretRef(List<EnvVar> env, String name, String secret, String key) {
        assertThat(env)
                .filteredOn(variable -> variable.getName().equals(name))
                .singleElement()
                .satisfies(variable -> {
                    assertThat(variable.getValue()).isNull();
                    assertThat(variable.getValueFrom().getSecretKeyRef().getName())
                            .isEqualTo(secret);
                    assertThat(variable.getValueFrom().getSecretKeyRef().getKey())
                            .isEqualTo(key);
                });
    }
}
