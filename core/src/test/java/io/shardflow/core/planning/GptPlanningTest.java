package io.shardflow.core.planning;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.models.GptArchitecture;
import org.junit.jupiter.api.Test;

class GptPlanningTest {
    private final GptArchitecture gpt = new GptArchitecture(4, 4, 64, 64);

    @Test
    void promptsSplitIntoDataShardsWhenTheModelFits() {
        var plan = ParallelPlanner.plan(
                new JobSpec.Parallelism(Strategy.AUTO, null), gpt, 10, new ParallelPlanner.Fleet(4, Long.MAX_VALUE));
        assertThat(plan).isInstanceOfSatisfying(Plan.Generation.class, generation -> {
            assertThat(generation.strategy()).isEqualTo(Strategy.DATA);
            assertThat(generation.dataShards()).isEqualTo(4);
            assertThat(generation.model().reason()).contains("fits a worker");
        });
    }

    @Test
    void autoPicksTheFewestPipelineStagesThatFitTheCap() {
        long cap = GptStages.largestStageBytes(gpt, 2);
        var plan = ParallelPlanner.plan(
                new JobSpec.Parallelism(Strategy.AUTO, null), gpt, 3, new ParallelPlanner.Fleet(2, cap));
        assertThat(plan).isInstanceOfSatisfying(Plan.PipelinedGeneration.class, pipelined -> {
            assertThat(pipelined.model().strategy()).isEqualTo(Strategy.PIPELINE);
            assertThat(pipelined.stages()).isEqualTo(2);
            assertThat(pipelined.dataShards()).isEqualTo(1);
        });
    }

    @Test
    void tensorSplitsAreRefusedForAGpt() {
        assertThatThrownBy(() -> ParallelPlanner.plan(
                        new JobSpec.Parallelism(Strategy.TENSOR, null, 2, null, null),
                        gpt,
                        3,
                        new ParallelPlanner.Fleet(2, Long.MAX_VALUE)))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("DATA or PIPELINE");
        assertThatThrownBy(() -> ParallelPlanner.plan(
                        new JobSpec.Parallelism(Strategy.PIPELINE, null, 9, null, null),
                        gpt,
                        3,
                        new ParallelPlanner.Fleet(2, Long.MAX_VALUE)))
                .isInstanceOf(InvalidSpecException.class)
                .hasMessageContaining("parallelism.modelShards");
    }
}
