package io.shardflow.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void percentilesAreNearestRank() {
        var stats = Stats.of(List.of(5.0, 1.0, 4.0, 2.0, 3.0, 6.0, 7.0, 8.0, 9.0, 10.0));
        assertThat(stats.percentile(50)).isEqualTo(5.0);
        assertThat(stats.percentile(99)).isEqualTo(10.0);
        assertThat(stats.percentile(10)).isEqualTo(1.0);
        assertThat(stats.median()).isEqualTo(5.5);
    }

    @Test
    void spreadShowsMedianAndRange() {
        assertThat(Stats.of(3.0, 1.0, 2.0).spread("%.1f")).isEqualTo("2.0 (1.0–3.0)");
        assertThat(Stats.of(4.0).spread("%.0f")).isEqualTo("4");
    }

    @Test
    void optionsParseAndRefuseUnknownFlags() {
        var options = BenchOptions.parse("--quick", "--scenarios", "generation", "--api", "http://x:1");
        assertThat(options.quick()).isTrue();
        assertThat(options.repeats()).isEqualTo(1);
        assertThat(options.scenarios()).containsExactly("generation");
        assertThat(options.api()).isEqualTo("http://x:1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BenchOptions.parse("--fast"))
                .hasMessageContaining("unknown option --fast");
    }

    @Test
    void helpListsTheOptionsAndEveryScenario() {
        assertThat(BenchOptions.parse("--help").help()).isTrue();
        assertThat(BenchOptions.parse("--quick").help()).isFalse();
        assertThat(Bench.usage())
                .contains("--scenarios a,b", "--duration 10m", "generation: ", "mp-training (only when named): ");
    }

    @Test
    void aDurationIsSecondsOrHasAUnit() {
        assertThat(BenchOptions.parse().duration()).isNull();
        assertThat(BenchOptions.parse("--duration", "90").duration()).isEqualTo(java.time.Duration.ofSeconds(90));
        assertThat(BenchOptions.parse("--duration", "45s").duration()).isEqualTo(java.time.Duration.ofSeconds(45));
        assertThat(BenchOptions.parse("--duration", "10m").duration()).isEqualTo(java.time.Duration.ofMinutes(10));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> BenchOptions.parse("--duration", "soon"))
                .hasMessageContaining("--duration");
    }
}
