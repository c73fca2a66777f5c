package io.shardflow.core.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.core.InvalidSpecException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TextScheduleTest {

    @Test
    void batchesAreSeededWindowsOfTheTrainingPart() {
        var schedule = new TextSchedule(10_000, 0.1, 7, 32, 64);
        assertThat(schedule.trainingBytes()).isEqualTo(9_000);
        assertThat(schedule.window()).isEqualTo(65);
        long[] batch = schedule.batch(3);
        assertThat(batch).hasSize(32);
        assertThat(Arrays.stream(batch).allMatch(s -> s >= 0 && s + 65 <= 9_000))
                .isTrue();
        assertThat(new TextSchedule(10_000, 0.1, 7, 32, 64).batch(3)).isEqualTo(batch);
        assertThat(schedule.batch(4)).isNotEqualTo(batch);
        assertThat(new TextSchedule(10_000, 0.1, 8, 32, 64).batch(3)).isNotEqualTo(batch);
        assertThat(schedule.stepsPerEpoch()).isEqualTo(5); // 9000 bytes / (32 windows × 64 predicted bytes)
    }

    @Test
    void validationWindowsAreSpreadOverTheHeldOutTailWithoutOverlap() {
        var schedule = new TextSchedule(100_000, 0.2, 1, 8, 16);
        long[] windows = schedule.validationWindows();
        assertThat(windows).hasSize(TextSchedule.MAX_VALIDATION_WINDOWS);
        assertThat(windows[0]).isEqualTo(80_000);
        for (int i = 1; i < windows.length; i++) {
            assertThat(windows[i] - windows[i - 1]).isGreaterThanOrEqualTo(17);
        }
        assertThat(windows[windows.length - 1] + 17).isLessThanOrEqualTo(100_000);
        assertThat(new TextSchedule(100_000, 0, 1, 8, 16).validationWindows()).isEmpty();
    }

    @Test
    void aShardTakesTheWindowsThatStartInItsRange() {
        long[] starts = {5, 99, 100, 150, 199, 200};
        assertThat(TextSchedule.within(starts, 100, 200)).containsExactly(100, 150, 199);
    }

    @Test
    void aTextTooShortForOneWindowIsRefused() {
        assertThatThrownBy(() -> new TextSchedule(60, 0, 1, 4, 64))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("fewer than one window");
        assertThatThrownBy(() -> new TextSchedule(1_000, 0.01, 1, 4, 64))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("training.validationSplit");
    }
}
