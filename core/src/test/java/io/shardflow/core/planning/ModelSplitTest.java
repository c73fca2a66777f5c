package io.shardflow.core.planning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.core.models.LinearArchitecture;
import io.shardflow.core.models.MlpArchitecture;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelSplitTest {
    private final MlpArchitecture mlp = new MlpArchitecture(List.of(10, 7, 5, 3), null);

    @Test
    void tensorPairsAColumnParallelLayerWithARowParallelOneAndSplitsAnOddLastLayer() {
        var split = ModelSplit.tensor(mlp, 3);

        assertThat(split.rounds()).hasSize(2);
        var pair = split.rounds().get(0);
        assertThat(pair.merge()).isEqualTo(ModelSplit.Merge.SUM);
        assertThat(pair.activateInput()).isFalse();
        // 7 outputs in 3 uneven slices: 3, 2, 2
        assertThat(pair.partitions())
                .extracting(p -> p.slices().get(0).outputs())
                .containsExactly(3, 2, 2);
        var second = pair.partitions().get(1).slices().get(1);
        assertThat(second.layer()).isEqualTo(1);
        assertThat(second.colStart()).isEqualTo(3);
        assertThat(second.colEnd()).isEqualTo(5);
        assertThat(second.rowEnd()).isEqualTo(5);
        assertThat(pair.partitions()).extracting(p -> p.slices().get(1).bias()).containsExactly(true, false, false);
        var last = split.rounds().get(1);
        assertThat(last.merge()).isEqualTo(ModelSplit.Merge.CONCAT);
        assertThat(last.activateInput()).isTrue();
        assertThat(last.partitions()).extracting(ModelSplit.Partition::outputs).containsExactly(1, 1, 1);
    }

    @Test
    void everyWeightIsHeldExactlyOnce() {
        for (int k = 1; k <= 3; k++) {
            long held = ModelSplit.tensor(mlp, k).rounds().stream()
                    .flatMap(r -> r.partitions().stream())
                    .mapToLong(ModelSplit.Partition::bytes)
                    .sum();
            assertThat(held).isEqualTo(mlp.parameterBytes());
            long staged = ModelSplit.pipeline(mlp, k).rounds().stream()
                    .flatMap(r -> r.partitions().stream())
                    .mapToLong(ModelSplit.Partition::bytes)
                    .sum();
            assertThat(staged).isEqualTo(mlp.parameterBytes());
        }
    }

    @Test
    void tensorShardsEachHoldAboutOneKthOfTheModel() {
        var big = new MlpArchitecture(List.of(512, 1024, 1024, 10), null);
        assertThat(ModelSplit.tensor(big, 4).largestPartitionBytes())
                .isLessThan(big.parameterBytes() / 4 + big.parameterBytes() / 50);
    }

    @Test
    void pipelineStagesAreContiguousAndBalanced() {
        var deep = new MlpArchitecture(List.of(8, 8, 8, 8, 8, 8), null);
        var split = ModelSplit.pipeline(deep, 2);
        assertThat(split.rounds()).hasSize(2);
        assertThat(split.rounds().get(0).partitions().get(0).slices())
                .extracting(ModelSplit.Slice::layer)
                .containsExactly(0, 1, 2);
        assertThat(split.rounds().get(1).partitions().get(0).slices())
                .extracting(ModelSplit.Slice::layer)
                .containsExactly(3, 4);
        assertThat(split.rounds().get(1).activateInput()).isTrue();
        assertThatThrownBy(() -> ModelSplit.pipeline(new LinearArchitecture(3, 2), 2))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ModelSplit.tensor(new LinearArchitecture(3, 2), 3))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
