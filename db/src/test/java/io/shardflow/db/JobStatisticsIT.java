package io.shardflow.db;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobStatistics;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's counts of jobs by status and per minute, read through their indexes, and counted anew only once
 * their answer is a few seconds old. (Its clock stands years ahead: since then, no other test's job came or ended.)
 */
class JobStatisticsIT {
    private final TestDatabase db = TestDatabase.get();
    private final MutableClock clock = MutableClock.frozen();
    private final JobRepository jobs = new JobRepository(db.jdbc, clock);
    private final JobStatistics statistics = new JobStatistics(db.jdbc, clock);

    private UUID job() {
        return jobs.insert(UUID.randomUUID(), "statistics", JobSpecs.anInference(), null);
    }

    @Test
    void jobsAreCountedByStatusAndPerMinuteAndTheAnswerIsKeptAFewSeconds() {
        clock.advance(Duration.ofDays(4000));
        var failed = job();
        var queued = job();
        assertThat(jobs.finishUnlessTerminal(failed, JobStatus.FAILED, "broken"))
                .isTrue();
        clock.advance(Duration.ofSeconds(1));

        var counts = statistics.byStatus(Duration.ofMinutes(10));
        assertThat(counts.get(JobStatus.FAILED))
                .as("ended within the window: this test's only")
                .isEqualTo(1);
        assertThat(counts.get(JobStatus.SUCCEEDED)).isZero();
        assertThat(counts.get(JobStatus.QUEUED))
                .as("not ended: every such job, whenever it came")
                .isPositive();
        var minutes = statistics.perMinute(Duration.ofMinutes(10));
        assertThat(minutes).hasSizeBetween(10, 11);
        assertThat(minutes.stream().mapToLong(JobStatistics.Minute::submitted).sum())
                .isEqualTo(2);
        assertThat(minutes.stream().mapToLong(JobStatistics.Minute::failed).sum())
                .isEqualTo(1);
        assertThat(minutes.getLast().start()).isBeforeOrEqualTo(clock.instant());

        assertThat(jobs.finishUnlessTerminal(queued, JobStatus.CANCELLED, null)).isTrue();
        assertThat(statistics.byStatus(Duration.ofMinutes(10)).get(JobStatus.CANCELLED))
                .as("the answer of a moment ago")
                .isZero();
        clock.advance(Duration.ofSeconds(6));
        assertThat(statistics.byStatus(Duration.ofMinutes(10)).get(JobStatus.CANCELLED))
                .as("counted anew")
                .isEqualTo(1);
    }
}
