package io.shardflow.core.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.core.shards.ShardStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StateTransitionTest {

    @Test
    void aJobFollowsItsHappyPathAndRoundsLoop() {
        var s = JobStatus.QUEUED
                .moveTo(JobStatus.PLANNING)
                .moveTo(JobStatus.RUNNING)
                .moveTo(JobStatus.AGGREGATING)
                .moveTo(JobStatus.RUNNING)
                .moveTo(JobStatus.AGGREGATING)
                .moveTo(JobStatus.SUCCEEDED);
        assertThat(s).isEqualTo(JobStatus.SUCCEEDED);
    }

    @ParameterizedTest
    @EnumSource(
            value = JobStatus.class,
            names = {"SUCCEEDED", "FAILED", "CANCELLED"})
    void terminalJobStatusesGoNowhere(JobStatus terminal) {
        assertThat(terminal.isTerminal()).isTrue();
        for (var target : JobStatus.values()) {
            assertThatThrownBy(() -> terminal.moveTo(target))
                    .isInstanceOf(IllegalTransitionException.class)
                    .hasMessageContaining(terminal + " -> " + target);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = JobStatus.class,
            names = {"QUEUED", "PLANNING", "RUNNING", "AGGREGATING"})
    void everyUnfinishedJobCanFailOrBeCancelled(JobStatus status) {
        assertThat(status.canMoveTo(JobStatus.FAILED)).isTrue();
        assertThat(status.canMoveTo(JobStatus.CANCELLED)).isTrue();
    }

    @Test
    void aJobCannotSkipPlanningOrSucceedWithoutAggregating() {
        assertThatThrownBy(() -> JobStatus.QUEUED.moveTo(JobStatus.RUNNING))
                .isInstanceOf(IllegalTransitionException.class);
        assertThatThrownBy(() -> JobStatus.RUNNING.moveTo(JobStatus.SUCCEEDED))
                .isInstanceOf(IllegalTransitionException.class);
        assertThat(JobStatus.sourcesOf(JobStatus.SUCCEEDED)).containsExactly(JobStatus.AGGREGATING);
    }

    @Test
    void shardsRunOnceAndAnExpiredLeaseSendsThemBack() {
        assertThat(ShardStatus.PENDING
                        .moveTo(ShardStatus.DISPATCHED)
                        .moveTo(ShardStatus.RUNNING)
                        .moveTo(ShardStatus.DONE))
                .isEqualTo(ShardStatus.DONE);
        assertThat(ShardStatus.RUNNING.canMoveTo(ShardStatus.PENDING)).isTrue();
        assertThat(ShardStatus.DISPATCHED.canMoveTo(ShardStatus.PENDING)).isTrue();
        assertThatThrownBy(() -> ShardStatus.DONE.moveTo(ShardStatus.RUNNING))
                .isInstanceOf(IllegalTransitionException.class);
        assertThatThrownBy(() -> ShardStatus.PENDING.moveTo(ShardStatus.DONE))
                .isInstanceOf(IllegalTransitionException.class);
    }
}
