package io.shardflow.core.jobs;

import java.util.EnumSet;
import java.util.Set;

/**
 * A job's lifecycle. Rounds loop between {@link #RUNNING} and {@link #AGGREGATING}; the last three are terminal.
 * Allowed transitions live here and nowhere else.
 */
public enum JobStatus {
    QUEUED,
    PLANNING,
    RUNNING,
    AGGREGATING,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    public Set<JobStatus> next() {
        return switch (this) {
            case QUEUED -> EnumSet.of(PLANNING, FAILED, CANCELLED);
            case PLANNING -> EnumSet.of(RUNNING, FAILED, CANCELLED);
            case RUNNING -> EnumSet.of(AGGREGATING, FAILED, CANCELLED);
            case AGGREGATING -> EnumSet.of(RUNNING, SUCCEEDED, FAILED, CANCELLED);
            case SUCCEEDED, FAILED, CANCELLED -> EnumSet.noneOf(JobStatus.class);
        };
    }

    public boolean canMoveTo(JobStatus target) {
        return next().contains(target);
    }

    /** Returns {@code target} when the move is allowed, else throws: an illegal move is a bug, not a no-op. */
    public JobStatus moveTo(JobStatus target) {
        if (!canMoveTo(target)) {
            throw new IllegalTransitionException("job", this, target);
        }
        return target;
    }

    /** The statuses from which {@code target} may be reached, for compare-and-set updates. */
    public static Set<JobStatus> sourcesOf(JobStatus target) {
        return Transitions.sources(JobStatus.class, s -> s.canMoveTo(target));
    }

    /** The statuses of jobs that have not ended. */
    public static Set<JobStatus> unfinished() {
        return Transitions.sources(JobStatus.class, s -> !s.isTerminal());
    }
}
