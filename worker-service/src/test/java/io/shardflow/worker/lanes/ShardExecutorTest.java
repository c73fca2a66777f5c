package io.shardflow.worker.lanes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.messaging.ShardCompleted;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.messaging.TaskKind;
import io.shardflow.core.messaging.Topics;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.outbox.Outbox;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.worker.WorkerSettings;
import io.shardflow.worker.generation.GenerationComputation;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.unit.DataSize;

/**
 * How an attempt ends when its computation throws: an exception is reported as a retryable failure; an Error writes
 * nothing (the lease runs out and the shard runs elsewhere). Either way the attempt leaves the in-flight set, so the
 * heartbeat stops extending its lease.
 */
class ShardExecutorTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2030-01-01T00:00:00Z"), ZoneOffset.UTC);
    private final JobRepository jobs = mock(JobRepository.class);
    private final ShardRepository shards = mock(ShardRepository.class);
    private final PartialStore partials = mock(PartialStore.class);
    private final Outbox outbox = mock(Outbox.class);
    private final ShardComputation inference = mock(ShardComputation.class);
    private final GenerationComputation generation = mock(GenerationComputation.class);
    private ShardExecutor executor;

    @BeforeEach
    void executor() {
        var settings = new WorkerSettings(
                "worker-1",
                2,
                1,
                8192,
                Duration.ofSeconds(2),
                Duration.ofSeconds(30),
                DataSize.ofMegabytes(64),
                DataSize.ofMegabytes(64),
                DataSize.ofBytes(0),
                new WorkerSettings.Generation(64, 1024));
        executor = new ShardExecutor(
                new WorkerIdentity("worker-1", "host"),
                settings,
                jobs,
                shards,
                partials,
                outbox,
                inference,
                mock(ShardComputation.class),
                mock(ShardComputation.class),
                generation,
                Runnable::run,
                mock(TransactionTemplate.class),
                CLOCK);
        when(jobs.status(any())).thenReturn(Optional.of(JobStatus.RUNNING));
        when(shards.start(any(), anyInt(), anyString(), any())).thenReturn(true);
    }

    private static ShardTask task(TaskKind kind) {
        return new ShardTask(
                UUID.randomUUID(), 0, 0, 3, 1, kind, UUID.randomUUID(), null, List.of(), null, 0, 10, 0, 1, null);
    }

    @Test
    void anExceptionIsReportedAsARetryableFailure() {
        var task = task(TaskKind.INFER);
        when(inference.compute(task)).thenThrow(new IllegalStateException("no such tensor"));

        executor.execute(task);

        var notice = ArgumentCaptor.forClass(ShardCompleted.class);
        verify(outbox).append(eq(Topics.SHARD_RESULTS), eq(task.jobId()), notice.capture());
        assertThat(notice.getValue().succeeded()).isFalse();
        assertThat(notice.getValue().retryable()).isTrue();
        assertThat(notice.getValue().error()).isEqualTo("IllegalStateException: no such tensor");
        assertThat(executor.inFlight()).isEmpty();
    }

    @Test
    void theAttemptIsLeasedFromTheClock() {
        var task = task(TaskKind.INFER);
        when(inference.compute(task)).thenThrow(new IllegalStateException("no such tensor"));

        executor.execute(task);

        verify(shards).start(any(), eq(1), eq("worker-1"), eq(Instant.parse("2030-01-01T00:00:30Z")));
    }

    @Test
    void anErrorPassesThroughAndWritesNothing() {
        var task = task(TaskKind.INFER);
        when(inference.compute(task)).thenThrow(new OutOfMemoryError("Java heap space"));

        assertThatThrownBy(() -> executor.execute(task)).isInstanceOf(OutOfMemoryError.class);

        verifyNoInteractions(outbox, partials);
        assertThat(executor.inFlight()).isEmpty();
    }

    @Test
    void anErrorInTheGenerationEngineWritesNothing() throws Exception {
        var task = task(TaskKind.GENERATE);
        var result = new CompletableFuture<byte[]>();
        when(generation.start(task)).thenReturn(result);

        executor.execute(task);
        assertThat(executor.inFlight()).containsExactly(task);
        result.completeExceptionally(new OutOfMemoryError("Java heap space"));

        verifyNoInteractions(outbox, partials);
        assertThat(executor.inFlight()).isEmpty();
    }

    @Test
    void anErrorWhileHandingOverAGenerationTaskStillLeavesTheInFlightSet() throws Exception {
        var task = task(TaskKind.GENERATE);
        when(generation.start(task)).thenThrow(new StackOverflowError());

        assertThatThrownBy(() -> executor.execute(task)).isInstanceOf(StackOverflowError.class);

        verifyNoInteractions(outbox);
        assertThat(executor.inFlight()).isEmpty();
    }
}
