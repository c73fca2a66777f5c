package io.shardflow.helm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The tests' own reading of rendered objects notices a key Kubernetes does not know. */
class RenderedTest {

    @Test
    void aMisspeltKeyIsReportedWithItsPath() {
        var rendered =
                Chart.withDefaults().set("api.livenessProbe.periodSecond", 5).render();

        assertThat(rendered.unknownFields())
                .containsExactly("Deployment/demo-shardflow-api.spec.template.spec.containers[0].livenessProbe"
                        + ".periodSecond");
    }
}
