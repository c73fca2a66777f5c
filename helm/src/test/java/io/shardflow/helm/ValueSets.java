package io.shardflow.helm;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The value sets every rendering check runs over: one per feature the chart switches on, so that a template path
 * that only some values reach is checked too. Each is rendered once.
 */
final class ValueSets {

    static final String DEFAULTS = "defaults";
    static final String GPU = "GPU worker";
    static final String KEDA = "KEDA autoscaling";
    static final String HPA = "HPA autoscaling";
    static final String EXISTING_SECRET = "existingSecret";
    static final String INGRESS_AND_NETWORK_POLICY = "ingress and NetworkPolicy";
    static final String KAFKA_SASL = "Kafka SASL, PostgreSQL over TLS, KEDA";
    static final String OIDC = "OIDC with a bootstrap ADMIN key";

    /** The Secret existingSecret names in its value set. */
    static final String OWN_SECRET = "shardflow-credentials";

    /** The identity provider of the OIDC value set. */
    static final String ISSUER = "https://login.example.com/realms/shardflow";

    /** The bootstrap ADMIN key of the OIDC value set (the dashboard signs in with API keys in either mode). */
    static final String ADMIN_KEY = "bootstrap-admin-key-0123456789abcdef";

    private static final Map<String, Supplier<Chart>> SETS = Map.of(
            DEFAULTS, Chart::withDefaults,
            GPU, () -> Chart.withDefaults().set("worker.gpu.count", 1),
            KEDA, () -> Chart.withDefaults().set("worker.autoscaling.enabled", true),
            HPA,
                    () -> Chart.withDefaults()
                            .set("worker.autoscaling.enabled", true)
                            .set("worker.autoscaling.kind", "hpa"),
            EXISTING_SECRET, () -> Chart.withDefaults().set("existingSecret", OWN_SECRET),
            INGRESS_AND_NETWORK_POLICY, () -> Chart.withDefaults().values("ingress-and-network-policy.yaml"),
            KAFKA_SASL, () -> Chart.withDefaults().values("kafka-sasl.yaml"),
            OIDC,
                    () -> Chart.withDefaults()
                            .set("security.mode", "oidc")
                            .set("security.oidc.issuerUri", ISSUER)
                            .set("security.bootstrapAdminKey", ADMIN_KEY));

    private static final Map<String, Rendered> RENDERED = new ConcurrentHashMap<>();

    private ValueSets() {}

    /** The names of every value set, for {@code @MethodSource}. */
    static Stream<String> names() {
        return Stream.of(DEFAULTS, GPU, KEDA, HPA, EXISTING_SECRET, INGRESS_AND_NETWORK_POLICY, KAFKA_SASL, OIDC);
    }

    /** A value set, rendered. */
    static Rendered rendered(String name) {
        return RENDERED.computeIfAbsent(name, n -> SETS.get(n).get().render());
    }
}
