package io.shardflow.bench.scenarios;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LaneTimeTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static Instant at(double seconds) {
        return T0.plusMillis((long) (seconds * 1000));
    }

    private static LaneTime.ShardRun run(String tenant, double start, double end) {
        return new LaneTime.ShardRun("job-" + tenant, tenant, at(start), at(end));
    }

    @Test
    void busyCountsOnlyTheTimeInsideTheWindow() {
        var runs = List.of(run("a", 0, 4), run("b", 1, 2), run("a", 3, 10));
        assertThat(LaneTime.busy(runs, at(1), at(5), r -> true)).isCloseTo(3 + 1 + 2, within(1e-9));
        assertThat(LaneTime.busy(runs, at(1), at(5), r -> r.tenant().equals("b")))
                .isCloseTo(1, within(1e-9));
        assertThat(LaneTime.busy(runs, at(20), at(30), r -> true)).isZero();
    }

    @Test
    void aRunWithoutAnEndCountsUntilTheWindowEnds() {
        var unfinished = new LaneTime.ShardRun("job", "a", at(2), null);
        assertThat(unfinished.secondsIn(at(0), at(5))).isCloseTo(3, within(1e-9));
        assertThat(unfinished.seconds()).isZero();
    }

    @Test
    void peakIsTheMostRunningAtOnceAndALaneHandedOnCountsOnce() {
        var runs = List.of(run("a", 0, 2), run("a", 2, 4), run("b", 1, 3), run("b", 3.5, 5));
        assertThat(LaneTime.peak(runs)).isEqualTo(2);
        assertThat(LaneTime.peak(List.of(run("a", 0, 1), run("a", 0.5, 2), run("b", 0.7, 0.9))))
                .isEqualTo(3);
    }
}
