package io.shardflow.core.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TrainingScheduleTest {

    @Test
    void theSplitIsSeededDisjointAndComplete() {
        var schedule = new TrainingSchedule(100, 0.2, 7, 16);
        var again = new TrainingSchedule(100, 0.2, 7, 16);
        var other = new TrainingSchedule(100, 0.2, 8, 16);

        assertThat(schedule.validationRows()).hasSize(20).containsExactly(again.validationRows());
        assertThat(schedule.validationRows()).isNotEqualTo(other.validationRows());
        var all = new HashSet<Integer>();
        Arrays.stream(schedule.validationRows()).forEach(all::add);
        Arrays.stream(schedule.trainingRowIndexes()).forEach(all::add);
        assertThat(all).hasSize(100);
        assertThat(schedule.trainingRows()).isEqualTo(80);
    }

    @Test
    void everyEpochVisitsEachTrainingRowOnceInANewOrder() {
        var schedule = new TrainingSchedule(50, 0.0, 3, 16);
        assertThat(schedule.stepsPerEpoch()).isEqualTo(4);
        for (int epoch = 0; epoch < 3; epoch++) {
            int[] seen = IntStream.range(epoch * 4, epoch * 4 + 4)
                    .flatMap(s -> Arrays.stream(schedule.batch(s)))
                    .toArray();
            assertThat(seen).hasSize(50).doesNotHaveDuplicates();
            assertThat(schedule.batch(epoch * 4 + 3)).hasSize(2); // the last batch of an epoch is what is left
        }
        assertThat(schedule.batch(0)).isNotEqualTo(schedule.batch(4));
        assertThat(schedule.endsEpoch(3)).isTrue();
        assertThat(schedule.endsEpoch(4)).isFalse();
        assertThat(schedule.epochOf(7)).isEqualTo(1);
    }

    @Test
    void aBatchLengthIsKnownWithoutBuildingTheSchedule() {
        for (int rows : new int[] {1, 17, 50, 64, 101}) {
            for (int batchSize : new int[] {1, 7, 16, 64, 200}) {
                var schedule = new TrainingSchedule(rows, 0.25, 5, batchSize);
                for (int step = 0; step < 3 * schedule.stepsPerEpoch(); step++) {
                    assertThat(TrainingSchedule.batchLength(schedule.trainingRows(), batchSize, step))
                            .as("%d rows, batches of %d, step %d", rows, batchSize, step)
                            .isEqualTo(schedule.batch(step).length);
                }
            }
        }
    }

    @Test
    void aShardTakesTheBatchRowsInItsRangeInBatchOrder() {
        int[] batch = {9, 2, 15, 4, 11};
        assertThat(TrainingSchedule.within(batch, 0, 10)).containsExactly(9, 2, 4);
        assertThat(TrainingSchedule.within(batch, 10, 20)).containsExactly(15, 11);
    }
}
