package io.shardflow.core.planning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.MlpArchitecture;
import io.shardflow.core.training.OptimizerKind;
import io.shardflow.core.training.TrainingFootprint;
import io.shardflow.core.training.TrainingProgram;
import io.shardflow.core.training.TrainingSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingPlannerTest {
    private final GptArchitecture gpt = new GptArchitecture(4, 4, 64, 64);
    private final TrainingSpec adam = spec(OptimizerKind.ADAM, null, 32);

    private static TrainingSpec spec(OptimizerKind optimizer, Double momentum, int batch) {
        return new TrainingSpec(
                null, 10, batch, optimizer, 0.01, momentum, null, null, null, 1, 1L, 0.1, false, 5, null);
    }

    private static ParallelPlanner.Fleet fleet(long cap) {
        return new ParallelPlanner.Fleet(2, cap);
    }

    @Test
    void aWholeModelCountsItsParametersGradientsAndActivationsButNotTheOptimiserTheSchedulerApplies() {
        var footprint = TrainingFootprint.whole(gpt, 16);
        assertThat(footprint.parameters()).isEqualTo(gpt.parameterBytes());
        assertThat(footprint.gradients()).isEqualTo(gpt.parameterBytes());
        assertThat(footprint.optimizer()).isZero();
        // twice the batch, twice the activations
        assertThat(TrainingFootprint.whole(gpt, 32).activations()).isEqualTo(2 * footprint.activations());
        assertThat(footprint.describe()).contains("parameters ", "+ activations ", " = ");
    }

    @Test
    void anUpdateGroupHoldsItsPiecesWithTheirOptimiserState() {
        var program = TrainingProgram.of(new MlpArchitecture(List.of(100, 400, 100, 10), null), Strategy.TENSOR, 2);
        // a tiny batch: the largest task is the update of group 0 (its slices, the odd last layer and a bias)
        var footprint = TrainingFootprint.split(program, new MlpArchitecture(List.of(100, 400, 100, 10), null), 1, 2);
        assertThat(footprint.optimizer()).isEqualTo(2 * program.groupBytes(0));
        assertThat(footprint.parameters()).isEqualTo(program.groupBytes(0));
        assertThat(TrainingFootprint.optimizerCopies(spec(OptimizerKind.SGD, 0.9, 8)))
                .isEqualTo(1);
        assertThat(TrainingFootprint.optimizerCopies(spec(OptimizerKind.SGD, null, 8)))
                .isZero();
    }

    @Test
    void autoTrainsTheModelWholeWhileItFits() {
        var layout = TrainingPlanner.plan(
                new JobSpec.Parallelism(Strategy.AUTO, null), gpt, adam, 100_000, fleet(Long.MAX_VALUE));
        assertThat(layout.split()).isFalse();
        assertThat(layout.shards()).hasSize(2);
        assertThat(layout.model().reason()).contains("within the");
    }

    @Test
    void autoSplitsAModelWhoseTrainingDoesNotFitIntoTheFewestShardsAndMicroBatchesThatDo() {
        long whole = TrainingFootprint.whole(gpt, 16).total();
        var layout = TrainingPlanner.plan(
                new JobSpec.Parallelism(Strategy.AUTO, null), gpt, adam, 100_000, fleet(whole * 2 / 3));
        assertThat(layout.split()).isTrue();
        assertThat(layout.shards()).hasSize(1);
        assertThat(layout.model().strategy()).isEqualTo(Strategy.PIPELINE);
        assertThat(layout.model().modelShards()).isEqualTo(2);
        assertThat(layout.footprint().total()).isLessThanOrEqualTo(whole * 2 / 3);
        assertThat(layout.model().largestPartitionBytes())
                .isEqualTo(layout.footprint().total());
        assertThat(layout.model().reason()).contains("would hold", "PIPELINE 2", "more than the " + whole * 2 / 3);

        // a cap that only many micro-batches meet
        var tight = TrainingPlanner.plan(
                new JobSpec.Parallelism(Strategy.AUTO, null), gpt, adam, 100_000, fleet(whole / 4));
        assertThat(tight.footprint().total()).isLessThanOrEqualTo(whole / 4);
        assertThat(tight.model().microBatches()).isGreaterThan(1);
    }

    @Test
    void autoPutsDataShardsBesideASplitOnLanesItWouldLeaveIdle() {
        // on four lanes the whole model trains on 4 data shards of 8 windows each
        long whole = TrainingFootprint.whole(gpt, 8).total();
        var fourLanes = new ParallelPlanner.Fleet(4, whole * 2 / 3);
        var layout = TrainingPlanner.plan(new JobSpec.Parallelism(Strategy.AUTO, null), gpt, adam, 100_000, fourLanes);
        assertThat(layout.model().strategy()).isEqualTo(Strategy.PIPELINE);
        assertThat(layout.model().modelShards()).isEqualTo(2);
        assertThat(layout.shards())
                .as("2 copies of a 2-stage pipeline on 4 lanes")
                .hasSize(2);
        assertThat(layout.footprint().total()).isLessThanOrEqualTo(whole * 2 / 3);
        assertThat(layout.model().reason()).contains("PIPELINE 2 over 2 data shards");

        var five = TrainingPlanner.plan(
                new JobSpec.Parallelism(Strategy.AUTO, null),
                gpt,
                adam,
                100_000,
                new ParallelPlanner.Fleet(5, whole * 2 / 3));
        assertThat(five.shards()).as("a fifth lane holds no copy").hasSize(2);
        var named = TrainingPlanner.plan(
                new JobSpec.Parallelism(Strategy.AUTO, 3), gpt, adam, 100_000, new ParallelPlanner.Fleet(4, whole / 4));
        assertThat(named.split()).isTrue();
        assertThat(named.shards()).as("the job's own dataShards").hasSize(3);
        // a cap below the whole model on one window: only a split fits
        long belowWhole = TrainingFootprint.whole(gpt, 1).total() * 3 / 4;
        var small = TrainingPlanner.plan(
                new JobSpec.Parallelism(Strategy.AUTO, 8),
                gpt,
                spec(OptimizerKind.ADAM, null, 4),
                100_000,
                new ParallelPlanner.Fleet(4, belowWhole));
        assertThat(small.split()).isTrue();
        assertThat(small.shards())
                .as("no more data shards than windows in a batch")
                .hasSize(4);
    }

    @Test
    void aTrainingThatFitsNoSplitFailsNamingTheSizes() {
        assertThatThrownBy(() -> TrainingPlanner.plan(
                        new JobSpec.Parallelism(Strategy.AUTO, null), gpt, adam, 100_000, fleet(10_000)))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("no split of the model fits")
                .hasMessageContaining("10000 bytes")
                .hasMessageContaining("the smallest split");
        assertThatThrownBy(() -> TrainingPlanner.plan(
                        new JobSpec.Parallelism(Strategy.DATA, 2), gpt, adam, 100_000, fleet(1_000_000)))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("a lane training the whole model holds parameters")
                .hasMessageContaining("split the model");
        assertThatThrownBy(() -> TrainingPlanner.plan(
                        new JobSpec.Parallelism(Strategy.TENSOR, null, 5, null, null),
                        gpt,
                        adam,
                        100_000,
                        fleet(Long.MAX_VALUE)))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("at most 4 tensor shards");
    }
}
