package io.shardflow.core.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelArchitectureTest {

    @Test
    void parametersAreCountedFromTheShapesAlone() {
        var trillion = new LinearArchitecture(1_000_000, 1_000_000);
        assertThat(trillion.parameterCount()).isEqualTo(1_000_000_000_000L + 1_000_000);
        assertThat(trillion.parameterBytes()).isEqualTo(4 * (1_000_000_000_000L + 1_000_000));
        assertThat(new MlpArchitecture(List.of(3, 4, 2), null).parameterCount()).isEqualTo(3 * 4 + 4 + 4 * 2 + 2);
    }

    @Test
    void aCountTooLargeForALongSaturatesInsteadOfWrappingToSomethingSmall() {
        var widest = new LinearArchitecture(Integer.MAX_VALUE, Integer.MAX_VALUE);
        long count = (long) Integer.MAX_VALUE * Integer.MAX_VALUE + Integer.MAX_VALUE;
        assertThat(widest.parameterCount()).isEqualTo(count);
        assertThat(widest.parameterBytes()).isEqualTo(Long.MAX_VALUE);
    }
}
