package io.shardflow.helm;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * What {@code helm template} printed: its documents, the Kubernetes kinds as fabric8's types and the others (KEDA's,
 * the Prometheus Operator's) as maps.
 */
final class Rendered {

    /** The kinds the chart may render, with their API group version and the fabric8 type that reads them. */
    private static final Map<String, Kind> KINDS = Map.ofEntries(
            Map.entry("Deployment", new Kind("apps/v1", Deployment.class)),
            Map.entry("Service", new Kind("v1", Service.class)),
            Map.entry("Secret", new Kind("v1", Secret.class)),
            Map.entry("ServiceAccount", new Kind("v1", ServiceAccount.class)),
            Map.entry("PodDisruptionBudget", new Kind("policy/v1", PodDisruptionBudget.class)),
            Map.entry("HorizontalPodAutoscaler", new Kind("autoscaling/v2", HorizontalPodAutoscaler.class)),
            Map.entry("Ingress", new Kind("networking.k8s.io/v1", Ingress.class)),
            Map.entry("NetworkPolicy", new Kind("networking.k8s.io/v1", NetworkPolicy.class)),
            Map.entry("ScaledObject", new Kind("keda.sh/v1alpha1", null)),
            Map.entry("TriggerAuthentication", new Kind("keda.sh/v1alpha1", null)),
            Map.entry("PodMonitor", new Kind("monitoring.coreos.com/v1", null)));

    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private record Kind(String apiVersion, Class<? extends HasMetadata> type) {}

    private final String text;
    private final List<Map<String, Object>> documents;
    private final List<HasMetadata> typed;

    private Rendered(String text, List<Map<String, Object>> documents, List<HasMetadata> typed) {
        this.text = text;
        this.documents = documents;
        this.typed = typed;
    }

    @SuppressWarnings("unchecked")
    static Rendered parse(String text) {
        var documents = new ArrayList<Map<String, Object>>();
        try (var values = YAML.readerFor(Map.class).readValues(text)) {
            while (values.hasNextValue()) {
                Map<String, Object> document = (Map<String, Object>) values.nextValue();
                if (document != null && !document.isEmpty()) {
                    documents.add(document);
                }
            }
        }
        var typed = new ArrayList<HasMetadata>();
        for (var document : documents) {
            var kindName = String.valueOf(document.get("kind"));
            var kind = KINDS.get(kindName);
            if (kind == null) {
                throw new AssertionError("the chart rendered a kind no test knows: " + kindName);
            }
            if (!kind.apiVersion().equals(document.get("apiVersion"))) {
                throw new AssertionError(
                        kindName + " has apiVersion " + document.get("apiVersion") + ", not " + kind.apiVersion());
            }
            if (kind.type() != null) {
                typed.add(JSON.convertValue(document, kind.type()));
            }
        }
        return new Rendered(text, List.copyOf(documents), List.copyOf(typed));
    }

    String text() {
        return text;
    }

    /** Every document, as read. */
    List<Map<String, Object>> documents() {
        return documents;
    }

    /** Every object that has a fabric8 type. */
    List<HasMetadata> typed() {
        return typed;
    }

    <T extends HasMetadata> List<T> all(Class<T> type) {
        return typed.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The documents of a kind fabric8 does not know (KEDA's), as maps. */
    List<Map<String, Object>> untyped(String kind) {
        return documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
    }

    /** The Deployment of a component: api, scheduler or worker. */
    Deployment deployment(String component) {
        return named(Deployment.class, name(component))
                .orElseThrow(() -> new AssertionError("no Deployment of " + component));
    }

    /** The one container of a component's pods. */
    Container container(String component) {
        var containers = deployment(component).getSpec().getTemplate().getSpec().getContainers();
        if (containers.size() != 1) {
            throw new AssertionError(component + " has " + containers.size() + " containers");
        }
        return containers.getFirst();
    }

    <T extends HasMetadata> Optional<T> named(Class<T> type, String name) {
        return all(type).stream()
                .filter(o -> name.equals(o.getMetadata().getName()))
                .findFirst();
    }

    /** The name the chart gives a component's objects in the test release. */
    static String name(String component) {
        return Chart.RELEASE + "-shardflow-" + component;
    }

    /**
     * Fields that fabric8's types did not recognise (they land in {@code additionalProperties}), with their path: a
     * misspelt or misplaced key that Kubernetes would refuse or, worse, ignore.
     */
    List<String> unknownFields() {
        var found = new ArrayList<String>();
        for (var object : typed) {
            collectUnknown(object, object.getKind() + "/" + object.getMetadata().getName(), found);
        }
        return found;
    }

    private static void collectUnknown(Object value, String path, List<String> found) {
        if (value instanceof Collection<?> items) {
            var i = 0;
            for (var item : items) {
                collectUnknown(item, path + "[" + i++ + "]", found);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            map.forEach((key, item) -> collectUnknown(item, path + "." + key, found));
            return;
        }
        if (value == null || !value.getClass().getPackageName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                Map<?, ?> extra = (Map<?, ?>) invoke(getter, value);
                if (extra != null) {
                    extra.keySet().forEach(key -> found.add(path + "." + key));
                }
            } else if (getter.isAnnotationPresent(JsonProperty.class)) {
                collectUnknown(
                        invoke(getter, value),
                        path + "." + getter.getAnnotation(JsonProperty.class).value(),
                        found);
            }
        }
    }

    private static Object invoke(Method getter, Object target) {
        try {
            return getter.invoke(target);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException(getter.toString(), e);
        }
    }
}
