package io.shardflow.scheduler.training;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.shardflow.core.planning.Strategy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Training as meters, by the plan's strategy (never a job id): steps taken, the time a step takes (a round's time
 * from the previous round's merge to this one's, divided by its steps) and the losses merged. A job's own curves are
 * the dashboard's; these say how training goes across the platform.
 */
public final class TrainingMeters {
    /** Jobs whose last merge this process remembers: more than this and the oldest is forgotten. */
    private static final int REMEMBERED = 10_000;

    private final Meter.MeterProvider<Counter> steps;
    private final Meter.MeterProvider<Timer> stepTime;
    private final Meter.MeterProvider<DistributionSummary> loss;
    private final Map<UUID, Long> lastMerge = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<UUID, Long> eldest) {
            return size() > REMEMBERED;
        }
    };

    public TrainingMeters(MeterRegistry registry) {
        steps = Counter.builder("shardflow.training.steps")
                .description("Optimiser steps merged")
                .withRegistry(registry);
        stepTime = Timer.builder("shardflow.training.step.duration")
                .description("Time per optimiser step: a round's time from the previous merge, over its steps")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(10))
                .withRegistry(registry);
        loss = DistributionSummary.builder("shardflow.training.loss")
                .description("Training losses merged, one a round")
                .withRegistry(registry);
    }

    /** Meters that go nowhere, for code built by hand in tests. */
    public static TrainingMeters unregistered() {
        return new TrainingMeters(new SimpleMeterRegistry());
    }

    /** A round of {@code count} steps was merged with this loss. */
    void merged(UUID jobId, Strategy strategy, int count, double roundLoss) {
        long now = System.nanoTime();
        Long previous;
        synchronized (lastMerge) {
            previous = lastMerge.put(jobId, now);
        }
        String tag = strategy.name();
        steps.withTag("strategy", tag).increment(count);
        loss.withTag("strategy", tag).record(roundLoss);
        if (previous != null && count > 0) {
            // a job's first round here (or its first since this scheduler took it over) has no start to measure from
            stepTime.withTag("strategy", tag).record(Duration.ofNanos((now - previous) / count));
        }
    }

    /** The job ended: nothing more to measure. */
    void ended(UUID jobId) {
        synchronized (lastMerge) {
            lastMerge.remove(jobId);
        }
    }
}
