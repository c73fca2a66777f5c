package io.shardflow.core.planning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DataPlannerTest {

    @ParameterizedTest
    @CsvSource({"10,3", "9,3", "1,1", "1,4", "3,7", "100000,4", "7,7", "1000003,12", "5,1"})
    void rangesCoverEveryRowOnceInOrderAndDifferByAtMostOne(long rows, int shards) {
        var ranges = DataPlanner.split(rows, shards);

        assertThat(ranges).hasSize((int) Math.min(rows, shards));
        assertThat(ranges.getFirst().start()).isZero();
        assertThat(ranges.getLast().end()).isEqualTo(rows);
        for (int i = 1; i < ranges.size(); i++) {
            assertThat(ranges.get(i).start()).isEqualTo(ranges.get(i - 1).end());
        }
        long min = ranges.stream().mapToLong(RowRange::size).min().orElseThrow();
        long max = ranges.stream().mapToLong(RowRange::size).max().orElseThrow();
        assertThat(min).isPositive();
        assertThat(max - min).isLessThanOrEqualTo(1);
    }

    @Test
    void tenRowsInThreeShardsPutTheExtraRowFirst() {
        assertThat(DataPlanner.split(10, 3))
                .containsExactly(new RowRange(0, 4), new RowRange(4, 7), new RowRange(7, 10));
    }

    @Test
    void anEmptyDatasetIsOneEmptyShard() {
        assertThat(DataPlanner.split(0, 4)).containsExactly(new RowRange(0, 0));
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> DataPlanner.split(-1, 2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DataPlanner.split(10, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void defaultShardsFollowTheLanesButNeverExceedTheRows() {
        assertThat(DataPlanner.defaultShards(1000, 4)).isEqualTo(4);
        assertThat(DataPlanner.defaultShards(2, 4)).isEqualTo(2);
        assertThat(DataPlanner.defaultShards(1000, 0)).isEqualTo(1);
    }
}
