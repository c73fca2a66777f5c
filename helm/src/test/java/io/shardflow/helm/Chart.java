package io.shardflow.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The chart in {@code helm/shardflow}, linted and rendered by Helm's own code (helm-java runs it in the JVM), as
 * {@code helm lint} and {@code helm template} would.
 */
final class Chart {

    /** The release name every rendering uses: objects are named {@code demo-shardflow-<component>}. */
    static final String RELEASE = "demo";

    static final Path PATH = Path.of(System.getProperty("shardflow.chart", "shardflow"));

    private final Map<String, String> sets = new LinkedHashMap<>();
    private Path valuesFile;

    private Chart() {}

    /** The chart with its default values. */
    static Chart withDefaults() {
        return new Chart();
    }

    /** Like {@code --set key=value}. */
    Chart set(String key, Object value) {
        sets.put(key, String.valueOf(value));
        return this;
    }

    /** Like {@code --values}, with a file under {@code src/test/resources/values}. */
    Chart values(String name) {
        var file = Path.of("src", "test", "resources", "values", name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no values file " + file.toAbsolutePath());
        }
        this.valuesFile = file;
        return this;
    }

    /** {@code helm template demo helm/shardflow}, read back as objects. */
    Rendered render() {
        return Rendered.parse(renderText());
    }

    /** The rendered YAML, or an exception with Helm's message when the chart refuses the values. */
    String renderText() {
        TemplateCommand template = new Helm(PATH).template().withName(RELEASE).withNamespace("shardflow");
        if (valuesFile != null) {
            template = template.withValuesFile(valuesFile);
        }
        for (var set : sets.entrySet()) {
            template = template.set(set.getKey(), set.getValue());
        }
        return template.call();
    }

    /**
     * What {@code helm install --dry-run} prints, NOTES.txt included ({@code helm template} leaves the notes out).
     * Client-only: no cluster is asked.
     */
    String installOutput() {
        InstallCommand install = new Helm(PATH)
                .install()
                .withName(RELEASE)
                .withNamespace("shardflow")
                .dryRun()
                .clientOnly();
        if (valuesFile != null) {
            install = install.withValuesFile(valuesFile);
        }
        for (var set : sets.entrySet()) {
            install = install.set(set.getKey(), set.getValue());
        }
        return install.call().getOutput();
    }

    /** {@code helm lint --strict}: warnings count as failures. */
    static LintResult lint() {
        return new Helm(PATH).lint().strict().call();
    }
}
