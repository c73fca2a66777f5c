package io.shardflow.core.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.core.models.MlpArchitecture;
import io.shardflow.core.planning.ModelSplit;
import io.shardflow.core.planning.Strategy;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainingProgramTest {
    private final MlpArchitecture mlp = new MlpArchitecture(List.of(10, 7, 5, 3), null);

    @Test
    void tensorTrainingRunsTheMegatronPairsThenOnePartWithTheLossAndKeepsEachShardsSlicesInItsGroup() {
        var program = TrainingProgram.of(mlp, Strategy.TENSOR, 3);

        assertThat(program.rounds()).hasSize(2);
        assertThat(program.rounds().get(0).merge()).isEqualTo(ModelSplit.Merge.SUM);
        assertThat(program.outputs(0)).isEqualTo(5);
        // the odd last layer (3 outputs) is held whole by the part that computes the loss
        assertThat(program.rounds().get(1).parts()).singleElement().satisfies(part -> {
            assertThat(part.op()).isEqualTo(new PartOp.Dense(List.of(new ModelSplit.Slice(2, 0, 3, 0, 5, true)), true));
            assertThat(part.group()).isZero();
        });
        assertThat(program.groups()).isEqualTo(3);
        var pair = program.rounds().get(0);
        for (int j = 0; j < pair.parts().size(); j++) {
            assertThat(pair.parts().get(j).group()).isEqualTo(j);
        }
        // the row-parallel layer's bias is added once, by shard 0
        assertThat(program.pieces(1)).extracting(Piece::parameter).doesNotContain("layers.1.bias");
        assertThat(program.pieces(0)).extracting(Piece::parameter).contains("layers.1.bias");

        var even = TrainingProgram.of(new MlpArchitecture(List.of(10, 7, 1), null), Strategy.TENSOR, 2);
        assertThat(even.rounds().getLast().parts().getFirst().op()).isInstanceOf(PartOp.DenseLoss.class);
        assertThat(even.outputs(0)).isEqualTo(1);
    }

    @Test
    void thePiecesOfEverySplitCoverEveryParameterExactlyOnce() {
        for (var strategy : List.of(Strategy.TENSOR, Strategy.PIPELINE)) {
            for (int shards = 2; shards <= 3; shards++) {
                var program = TrainingProgram.of(mlp, strategy, shards);
                var shapes = mlp.parameterShapes();
                var ids = new HashSet<String>();
                for (var entry : shapes.entrySet()) {
                    int rows = entry.getValue()[0];
                    int cols = entry.getValue().length == 2 ? entry.getValue()[1] : 1;
                    var covered = new int[rows * cols];
                    for (var piece : program.piecesOf(entry.getKey())) {
                        assertThat(piece.parameter()).isEqualTo(entry.getKey());
                        var ones = new float[Math.toIntExact(piece.values())];
                        java.util.Arrays.fill(ones, 1);
                        var whole = new float[rows * cols];
                        piece.paste(ones, whole, cols);
                        for (int i = 0; i < whole.length; i++) {
                            covered[i] += (int) whole[i];
                        }
                    }
                    assertThat(covered)
                            .as(strategy + " " + shards + " " + entry.getKey())
                            .containsOnly(1);
                }
                assertThat(program.pieces())
                        .hasSize(shapes.keySet().stream()
                                .mapToInt(name -> program.piecesOf(name).size())
                                .sum());
                for (var piece : program.pieces()) {
                    assertThat(ids.add(piece.id()))
                            .as("piece " + piece.id() + " kept once")
                            .isTrue();
                }
            }
        }
    }

    @Test
    void aPieceCutsAndPastesItsSliceOfTheWholeParameter() {
        var piece = new Piece("w", 1, 3, 2, 4, false, 0);
        float[] whole = new float[4 * 5];
        for (int i = 0; i < whole.length; i++) {
            whole[i] = i;
        }
        assertThat(piece.cut(whole, 5)).containsExactly(7, 8, 12, 13);
        var target = new float[20];
        piece.paste(new float[] {1, 2, 3, 4}, target, 5);
        assertThat(target[7]).isEqualTo(1);
        assertThat(target[13]).isEqualTo(4);
    }

    @Test
    void everyKeyOfAStepNamesOneTaskAndBack() {
        var program = TrainingProgram.of(mlp, Strategy.TENSOR, 2);
        var steps = new SplitSteps(program, 2, 3);
        int tasks = 0;
        for (int stage = 0; stage < steps.updateStage(); stage++) {
            boolean backward = stage >= steps.rounds();
            int round = backward ? stage - steps.rounds() : stage;
            for (int slice = 0; slice < steps.slices(); slice++) {
                for (int part = 0; part < steps.parts(round); part++) {
                    var task = steps.task(stage, steps.index(slice, round, part));
                    tasks++;
                    int dataShard = slice / 3;
                    int micro = slice % 3;
                    if (backward) {
                        assertThat(task).isEqualTo(new SplitTask.Backward(round, part, dataShard, micro));
                    } else if (round == program.lastRound()) {
                        assertThat(task).isEqualTo(new SplitTask.Last(dataShard, micro, false));
                    } else {
                        assertThat(task).isEqualTo(new SplitTask.Forward(round, part, dataShard, micro, false));
                    }
                }
            }
        }
        assertThat(steps.task(steps.updateStage(), 1)).isEqualTo(new SplitTask.Update(1));
        assertThat(tasks + program.groups()).isEqualTo(steps.tasksPerStep());
        assertThat(steps.task(steps.forwardStage(program.lastRound(), true), steps.slice(1, 2)))
                .isEqualTo(new SplitTask.Last(1, 2, true));
        assertThatThrownBy(() -> steps.task(steps.updateStage(), 2)).hasMessageContaining("no group 2");
        assertThatThrownBy(() -> steps.task(steps.firstEvaluationStage() + steps.rounds(), 0))
                .hasMessageContaining("no training stage");
    }
}
