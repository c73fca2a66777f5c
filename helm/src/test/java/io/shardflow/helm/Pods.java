package io.shardflow.helm;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Map;
import java.util.Optional;

/** Small readings of rendered pods shared by the tests. */
final class Pods {

    private Pods() {}

    /** A container's environment variable, if it sets one by that name. */
    static Optional<EnvVar> env(Container container, String name) {
        return container.getEnv().stream()
                .filter(variable -> name.equals(variable.getName()))
                .findFirst();
    }

    /** The literal value of a container's environment variable; fails if it is missing or read from elsewhere. */
    static String envValue(Container container, String name) {
        var variable = env(container, name)
                .orElseThrow(() -> new AssertionError(container.getName() + " does not set " + name));
        if (variable.getValueFrom() != null) {
            throw new AssertionError(container.getName() + " reads " + name + " from " + variable.getValueFrom());
        }
        return variable.getValue();
    }

    /** The labels of a Deployment's pods. */
    static Map<String, String> podLabels(Deployment deployment) {
        return deployment.getSpec().getTemplate().getMetadata().getLabels();
    }

    /** Whether a label selector with only matchLabels selects pods with these labels. */
    static boolean selects(LabelSelector selector, Map<String, String> labels) {
        if (selector.getMatchExpressions() != null
                && !selector.getMatchExpressions().isEmpty()) {
            throw new AssertionError("the chart's selectors use matchLabels only: " + selector);
        }
        return selects(selector.getMatchLabels(), labels);
    }

    /** Whether matchLabels (or a Service's selector) select pods with these labels. */
    static boolean selects(Map<String, String> matchLabels, Map<String, String> labels) {
        return !matchLabels.isEmpty() && labels.entrySet().containsAll(matchLabels.entrySet());
    }
}
