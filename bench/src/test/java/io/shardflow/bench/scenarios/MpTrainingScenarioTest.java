package io.shardflow.bench.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class MpTrainingScenarioTest {

    @Test
    void busySplitsTheTimeIntoOneLaneBothLanesAndGaps() {
        // lane 1: 0–40, 60–100; lane 2: 10–30, 100–120 (starts as lane 1 ends: no gap)
        var busy = MpTrainingScenario.busy(
                List.of(new double[] {0, 40}, new double[] {10, 30}, new double[] {60, 100}, new double[] {100, 120}));
        assertThat(busy[0]).as("any lane").isEqualTo(100);
        assertThat(busy[1]).as("both lanes").isEqualTo(20);
        assertThat(busy[2]).as("gaps").isEqualTo(1);
        assertThat(busy[3]).as("gap time").isEqualTo(20);
    }

    @Test
    void busyOfNoShardsIsZero() {
        assertThat(MpTrainingScenario.busy(List.of())).containsExactly(0, 0, 0, 0);
    }

    @Test
    void theTextIsTheSameEveryTimeAndAsLongAsAsked() {
        String text = MpTrainingScenario.text(10_000);
        assertThat(text).hasSize(10_000).isEqualTo(MpTrainingScenario.text(10_000));
        assertThat(text).startsWith("In the ").contains("And God").contains("\n");
        assertThat(text.chars().allMatch(c -> c < 128))
                .as("ASCII: one byte a character")
                .isTrue();
    }
}
