package io.shardflow.api.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.db.JobSpecs;
import io.shardflow.db.TestDatabase;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.messaging.JobEnded;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Waiters on one job, against the real database: the job's end wakes every one of them, however many wait and
 * whoever gives up first. The re-check of the row is an hour here, so a waiter that returns was woken by the end.
 */
class JobCompletionsIT {
    private static final Duration NO_RECHECK = Duration.ofHours(1);
    private static final Duration LONG_WAIT = Duration.ofMinutes(5);

    private final TestDatabase db = TestDatabase.get();
    private final JobRepository jobs = new JobRepository(db.jdbc, java.time.Clock.systemUTC());
    private final JobCompletions completions = new JobCompletions(jobs, NO_RECHECK);
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterEach
    void stop() {
        threads.shutdownNow();
    }

    private UUID queuedJob() {
        var spec = JobSpecs.anInference();
        return jobs.insert(UUID.randomUUID(), "completions", spec, null);
    }

    /** Ends the job as the API does: the row first, then the in-process event after the commit. */
    private void end(UUID id) {
        assertThat(jobs.finishUnlessTerminal(id, JobStatus.CANCELLED, null)).isTrue();
        completions.onJobEnded(new JobEnded(id, JobStatus.CANCELLED));
    }

    private Future<JobRow> waiter(UUID id, Duration timeout) {
        return threads.submit(() -> completions.await(id, timeout));
    }

    private void awaitWaiters(UUID id, int count) {
        await().atMost(Duration.ofSeconds(10)).until(() -> completions.waiters(id) == count);
    }

    private static JobRow ended(Future<JobRow> waiter) throws Exception {
        // far less than the re-check: only the wake-up can return it in time
        return waiter.get(30, TimeUnit.SECONDS);
    }

    @Test
    void aStoppingServerEndsEveryWaitAtOnce() throws Exception {
        var id = queuedJob();
        completions.start();
        var waiters = IntStream.range(0, 2).mapToObj(i -> waiter(id, LONG_WAIT)).toList();
        awaitWaiters(id, 2);

        completions.stop();

        for (var waiter : waiters) {
            assertThatThrownBy(() -> ended(waiter)).hasCauseInstanceOf(CancellationException.class);
        }
        assertThat(completions.waiters(id)).isZero();
        assertThatThrownBy(() -> completions.await(id, LONG_WAIT)).isInstanceOf(CancellationException.class);
    }

    @Test
    void startedAgainAfterAStopItWaitsAgain() throws Exception {
        var id = queuedJob();
        completions.start();
        completions.stop();
        completions.start();
        var waiter = waiter(id, LONG_WAIT);
        awaitWaiters(id, 1);

        end(id);

        assertThat(ended(waiter).status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void theJobsEndWakesEveryWaiter() throws Exception {
        var id = queuedJob();
        var waiters = IntStream.range(0, 3).mapToObj(i -> waiter(id, LONG_WAIT)).toList();
        awaitWaiters(id, 3);

        end(id);

        for (var waiter : waiters) {
            assertThat(ended(waiter).status()).isEqualTo(JobStatus.CANCELLED);
        }
        assertThat(completions.waiters(id)).isZero();
    }

    @Test
    void aWaiterThatGivesUpLeavesTheOthersToBeWoken() throws Exception {
        var id = queuedJob();
        var early = waiter(id, LONG_WAIT);
        var impatient = waiter(id, Duration.ofMillis(200));
        awaitWaiters(id, 2);
        assertThatThrownBy(() -> impatient.get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TimeoutException.class);
        var late = waiter(id, LONG_WAIT);
        awaitWaiters(id, 2);

        end(id);

        assertThat(ended(early).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(ended(late).status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void aJobThatHasEndedAnswersAtOnceWithoutWaiting() throws Exception {
        var id = queuedJob();
        assertThat(jobs.finishUnlessTerminal(id, JobStatus.CANCELLED, null)).isTrue();

        assertThat(completions.await(id, LONG_WAIT).status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(completions.waiters(id)).isZero();
    }
}
