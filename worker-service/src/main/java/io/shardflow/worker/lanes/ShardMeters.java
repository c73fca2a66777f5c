package io.shardflow.worker.lanes;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.messaging.TaskKind;
import io.shardflow.db.jobs.JobRepository;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this worker's lanes did, as meters with bounded tags: the task's kind (inference, gradient, a pipeline stage,
 * generation…) and how an attempt ended, never a job or shard id.
 */
public final class ShardMeters {
    private static final Logger log = LoggerFactory.getLogger(ShardMeters.class);

    /** How an attempt that ran ended. */
    public enum Outcome {
        /** Its partial is stored and the shard is DONE. */
        DONE,
        /** It failed; the scheduler retries it or fails the job. */
        FAILED,
        /** It was given up unfinished (the worker stopped, or had no room) and runs again elsewhere. */
        HANDED_BACK,
        /** It finished after losing its lease: another attempt owns the shard, and its partial was refused. */
        SUPERSEDED
    }

    private final Meter.MeterProvider<Counter> started;
    private final Meter.MeterProvider<Counter> retried;
    private final Meter.MeterProvider<Counter> failed;
    private final Meter.MeterProvider<Timer> ended;
    private final Meter.MeterProvider<Timer> queueWait;

    public ShardMeters(MeterRegistry registry) {
        started = Counter.builder("shardflow.shards.started")
                .description("Shard attempts a lane began")
                .withRegistry(registry);
        retried = Counter.builder("shardflow.shards.retried")
                .description("Shard attempts begun after an earlier attempt of the shard failed or lost its lease")
                .withRegistry(registry);
        failed = Counter.builder("shardflow.shards.failed")
                .description("Shard attempts that failed (the scheduler retries them or fails the job)")
                .withRegistry(registry);
        // every kind's counters from the start: a rate over a series that appears with its first event misses it
        for (var kind : TaskKind.values()) {
            started.withTag("kind", kind.name());
            retried.withTag("kind", kind.name());
            failed.withTag("kind", kind.name());
        }
        ended = Timer.builder("shardflow.shards.duration")
                .description("From a shard attempt's claim to its end, by kind and outcome")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofHours(1))
                .withRegistry(registry);
        queueWait = Timer.builder("shardflow.jobs.queue.wait")
                .description("From a job's submission to its first shard running")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofHours(24))
                .withRegistry(registry);
    }

    /** Meters that go nowhere, for lanes built by hand in tests. */
    public static ShardMeters unregistered() {
        return new ShardMeters(new SimpleMeterRegistry());
    }

    void started(ShardTask task) {
        String kind = task.kind().name();
        started.withTag("kind", kind).increment();
        if (task.attempt() > 1) {
            retried.withTag("kind", kind).increment();
        }
    }

    void ended(ShardTask task, Outcome outcome, long startedNanos) {
        var took = Duration.ofNanos(System.nanoTime() - startedNanos);
        if (outcome == Outcome.FAILED) {
            failed.withTag("kind", task.kind().name()).increment();
        }
        ended.withTags("kind", task.kind().name(), "outcome", outcome.name()).record(took);
        log.debug(
                "{} attempt {} of rows [{}, {}): {} in {} ms",
                task.kind(),
                task.attempt(),
                task.rowStart(),
                task.rowEnd(),
                outcome,
                took.toMillis());
    }

    void firstRunning(JobRepository.FirstRun first) {
        queueWait.withTag("type", first.type().name()).record(first.waited());
    }
}
