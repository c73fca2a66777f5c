package io.shardflow.api.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.core.shards.ShardFailure;
import io.shardflow.core.shards.ShardStatus;
import io.shardflow.db.shards.ShardRepository.Cell;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoundsSummaryTest {
    private static Cell cell(int step, int index, ShardStatus status, int attempt, ShardFailure failure) {
        return new Cell(step, 1, index, status, "w", attempt, 5L, null, failure, null);
    }

    @Test
    void aLongTrainingJobShowsItsLastRoundsAndTheTroubledOnesBefore() {
        var cells = new ArrayList<Cell>();
        for (int step = 0; step < 450; step++) {
            for (int i = 0; i < 2; i++) {
                int attempt = step == 17 && i == 1 ? 2 : 1;
                cells.add(cell(step, i, ShardStatus.DONE, attempt, attempt > 1 ? ShardFailure.COMPUTE : null));
            }
        }
        var summary = RoundsSummary.of(cells, 8, 8);

        assertThat(summary.rounds()).isEqualTo(450);
        assertThat(summary.shards()).isEqualTo(900);
        assertThat(summary.done()).isEqualTo(900);
        assertThat(summary.retried()).isEqualTo(1);
        assertThat(summary.shown()).hasSize(9);
        assertThat(summary.shown().getFirst().name()).isEqualTo("step 17 · stage 1");
        assertThat(summary.shown().getFirst().troubled()).isTrue();
        assertThat(summary.shown().getLast().name()).isEqualTo("step 449 · stage 1");
        assertThat(summary.hidden()).isEqualTo(441);
    }

    @Test
    void shardsAbandonedWithTheirJobAreNotFailures() {
        var summary = RoundsSummary.of(
                List.of(
                        cell(0, 0, ShardStatus.FAILED, 3, ShardFailure.COMPUTE),
                        cell(0, 1, ShardStatus.FAILED, 1, ShardFailure.JOB_ENDED),
                        cell(0, 2, ShardStatus.RUNNING, 1, null)),
                8,
                8);

        assertThat(summary.failed()).isEqualTo(1);
        assertThat(summary.retried()).isEqualTo(1);
        assertThat(summary.running()).isEqualTo(1);
        assertThat(summary.shown())
                .singleElement()
                .satisfies(r -> assertThat(r.troubled()).isTrue());
        assertThat(summary.hidden()).isZero();
    }
}
