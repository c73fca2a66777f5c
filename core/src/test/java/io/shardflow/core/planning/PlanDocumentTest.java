package io.shardflow.core.planning;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.messaging.TaskKind;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.MlpArchitecture;
import io.shardflow.core.training.TrainingPlan;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.json.JsonMapper;

class PlanDocumentTest {
    private static final MlpArchitecture MLP = new MlpArchitecture(List.of(4, 8, 2), null);
    private static final List<RowRange> THREE = DataPlanner.split(30, 3);

    private static TrainingPlan training(int microBatches) {
        return new TrainingPlan(MLP, 40, 10, 4, 1, 24, 6, null, null, 10, microBatches);
    }

    static Stream<Plan> everyKind() {
        var tensor = new Plan.ModelPlan(Strategy.TENSOR, 2, 1, 100, 200, null);
        return Stream.of(
                new Plan.DataInference(30, THREE, Plan.ModelPlan.whole(200, "fits")),
                new Plan.ModelParallelInference(30, THREE, tensor),
                new Plan.ModelParallelInference(
                        30, DataPlanner.split(30, 1), new Plan.ModelPlan(Strategy.PIPELINE, 2, 4, 120, 200, null)),
                new Plan.Generation(5, DataPlanner.split(5, 2), Plan.ModelPlan.whole(900, null)),
                new Plan.PipelinedGeneration(
                        5, new Plan.ModelPlan(Strategy.PIPELINE, 2, 1, 500, 900, "too large for one worker")),
                new Plan.DataParallelTraining(30, THREE, training(1), Plan.ModelPlan.whole(5000, "fits")),
                new Plan.ModelParallelTraining(
                        30,
                        DataPlanner.split(30, 1),
                        training(2),
                        new Plan.ModelPlan(Strategy.PIPELINE, 2, 2, 90, 200, null)),
                new Plan.ModelParallelTraining(30, DataPlanner.split(30, 2), training(1), tensor));
    }

    @ParameterizedTest
    @MethodSource("everyKind")
    void everyKindIsStoredAsOneFlatDocumentAndReadBackAsItself(Plan plan) {
        var json = new String(MessageCodec.encode(plan), StandardCharsets.UTF_8);
        var tree = JsonMapper.builder().build().readTree(json);

        assertThat(tree.propertyNames())
                .containsExactly("strategy", "rows", "dataShards", "shards", "training", "model", "generation");
        assertThat(tree.get("strategy").asString()).isEqualTo(plan.strategy().name());
        assertThat(tree.get("dataShards").asInt()).isEqualTo(plan.shards().size());
        assertThat(tree.get("generation").asBoolean()).isEqualTo(plan.completesText());
        assertThat(MessageCodec.decode(json.getBytes(StandardCharsets.UTF_8), PlanDocument.class)
                        .plan())
                .isEqualTo(plan);
    }

    @org.junit.jupiter.api.Test
    void eachKindSaysWhatItsTasksCompute() {
        // two stages: 0 forward, 1 the last stage's forward and backward, 2 stage 0's backward, 3 the update, 4-5
        // the evaluation's forward
        var pipeline = new Plan.ModelParallelTraining(
                30, DataPlanner.split(30, 1), training(2), new Plan.ModelPlan(Strategy.PIPELINE, 2, 2, 90, 200, null));
        assertThat(pipeline.strategy()).isEqualTo(Strategy.PIPELINE);
        assertThat(pipeline.taskKind(0, 0)).isEqualTo(TaskKind.SPLIT_FORWARD);
        assertThat(pipeline.taskKind(0, 1)).isEqualTo(TaskKind.SPLIT_LAST);
        assertThat(pipeline.taskKind(0, 2)).isEqualTo(TaskKind.SPLIT_BACKWARD);
        assertThat(pipeline.taskKind(0, 3)).isEqualTo(TaskKind.SPLIT_UPDATE);
        assertThat(pipeline.taskKind(0, 4)).isEqualTo(TaskKind.SPLIT_FORWARD);
        assertThat(pipeline.taskKind(0, 5)).isEqualTo(TaskKind.EVALUATE);
        assertThat(pipeline.parameterVersion(3, 5)).isEqualTo(4);
        assertThat(pipeline.parameterVersion(3, 3)).isEqualTo(3);

        var data = new Plan.DataParallelTraining(30, THREE, training(1), Plan.ModelPlan.whole(0, null));
        assertThat(data.taskKind(5, TrainingPlan.COMPUTE_STAGE)).isEqualTo(TaskKind.GRADIENT);
        assertThat(data.taskKind(5, training(1).evaluateStage())).isEqualTo(TaskKind.EVALUATE);

        var tensor =
                new Plan.ModelParallelInference(30, THREE, new Plan.ModelPlan(Strategy.TENSOR, 2, 1, 100, 200, null));
        assertThat(tensor.strategy()).isEqualTo(Strategy.HYBRID);
        // round 1, data shard 2, model shard 1: reads round 0's merged output
        assertThat(tensor.layout(1, 0, 5)).isEqualTo(new ShardLayout(1, 1, 2, 0, 0));
        assertThat(new Plan.PipelinedGeneration(3, new Plan.ModelPlan(Strategy.PIPELINE, 2, 1, 1, 2, null))
                        .taskKind(7, 1))
                .isEqualTo(TaskKind.GENERATE_STAGE);
        assertThat(new GptArchitecture(2, 2, 8, 16).parameterBytes()).isPositive();
    }
}
