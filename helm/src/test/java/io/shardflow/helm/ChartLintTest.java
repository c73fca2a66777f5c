package io.shardflow.helm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code helm lint --strict} over the chart, as Helm itself runs it. */
class ChartLintTest {

    @Test
    void lintFindsNoErrorAndNoWarning() {
        var result = Chart.lint();

        assertThat(result.getMessages()).noneMatch(message -> message.startsWith("[ERROR]"));
        assertThat(result.getMessages()).noneMatch(message -> message.startsWith("[WARNING]"));
        assertThat(result.isFailed())
                .as("lint failed: %s", result.getMessages())
                .isFalse();
    }
}
