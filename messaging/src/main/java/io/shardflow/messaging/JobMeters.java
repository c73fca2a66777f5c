package io.shardflow.messaging;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.db.jobs.JobRow;
import java.time.Duration;
import java.util.List;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Counts jobs as their lifecycle events are published, once the change has committed (a rolled-back submission
 * was never a job). Tags are bounded: a job's type, its status and its tenant (tenants are made by an ADMIN), never a
 * job id. Every service counts what it published, so a sum over the services' series is the platform's figure.
 */
public final class JobMeters {
    /** Jobs accepted, by type and tenant. */
    public static final String SUBMITTED = "shardflow.jobs.submitted";
    /** Jobs ended, by type, final status and tenant. */
    public static final String FINISHED = "shardflow.jobs.finished";
    /** From a job's submission to its end, by type and final status. */
    public static final String DURATION = "shardflow.jobs.duration";

    private final Meter.MeterProvider<Counter> submitted;
    private final Meter.MeterProvider<Counter> finished;
    private final Meter.MeterProvider<Timer> duration;

    public JobMeters(MeterRegistry registry) {
        submitted = Counter.builder(SUBMITTED).description("Jobs accepted").withRegistry(registry);
        finished = Counter.builder(FINISHED).description("Jobs ended").withRegistry(registry);
        duration = Timer.builder(DURATION)
                .description("From a job's submission to its end")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(5))
                .maximumExpectedValue(Duration.ofHours(24))
                .withRegistry(registry);
    }

    /** Meters that go nowhere, for code run outside a service (tests that build the parts by hand). */
    public static JobMeters unregistered() {
        return new JobMeters(new SimpleMeterRegistry());
    }

    /** Counts these jobs' new states after the current transaction commits (at once outside one). */
    void changed(List<JobRow> jobs) {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    count(jobs);
                }
            });
        } else {
            count(jobs);
        }
    }

    private void count(List<JobRow> jobs) {
        for (var job : jobs) {
            if (job.status() == JobStatus.QUEUED) {
                submitted
                        .withTags("type", job.type().name(), "tenant", job.tenant())
                        .increment();
            } else if (job.status().isTerminal()) {
                String status = job.status().name();
                finished.withTags("type", job.type().name(), "status", status, "tenant", job.tenant())
                        .increment();
                var end = job.finishedAt() != null ? job.finishedAt() : job.updatedAt();
                duration.withTags("type", job.type().name(), "status", status)
                        .record(Duration.between(job.createdAt(), end));
            }
        }
    }
}
