package io.shardflow.api.jobs;

import io.shardflow.core.messaging.JobEvent;
import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.messaging.Topics;
import io.shardflow.db.events.JobEnded;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * Lets a request thread wait for a job to end. Every API instance reads the lifecycle events in a group of its
 * own and wakes the waiters of the jobs that ended; a check of the job row every {@link #RECHECK} covers an event
 * that came before this instance's consumer joined, or one that is late.
 */
@Component
public class JobCompletions {
    static final Duration RECHECK = Duration.ofMillis(250);

    private final JobRepository jobs;
    private final Map<UUID, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();

    public JobCompletions(JobRepository jobs) {
        this.jobs = jobs;
    }

    @KafkaListener(
            id = "shardflow-sync-waiters",
            topics = Topics.JOB_EVENTS,
            groupId = "shardflow-api-waiters-#{T(java.util.UUID).randomUUID()}",
            properties = {"auto.offset.reset=latest", "enable.auto.commit=false"})
    public void onEvent(ConsumerRecord<String, byte[]> record) {
        if (waiting.isEmpty()) {
            return; // nobody waits: no need to read the event
        }
        var event = MessageCodec.decode(record.value(), JobEvent.class);
        if (event.data() != null && event.data().status().isTerminal()) {
            var future = waiting.get(event.data().jobId());
            if (future != null) {
                future.complete(null);
            }
        }
    }

    /** A job ended in this process: its waiters wake without waiting for the event to come round through Kafka. */
    @TransactionalEventListener(fallbackExecution = true)
    public void onJobEnded(JobEnded ended) {
        var future = waiting.get(ended.jobId());
        if (future != null) {
            future.complete(null);
        }
    }

    /** The job once it has ended, or a TimeoutException after {@code timeout}. */
    public JobRow await(UUID jobId, Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        var future = waiting.computeIfAbsent(jobId, id -> new CompletableFuture<>());
        try {
            while (true) {
                var job = jobs.find(jobId).orElseThrow();
                if (job.status().isTerminal()) {
                    return job;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("job " + jobId + " did not end within " + timeout);
                }
                try {
                    future.get(Math.min(left, RECHECK.toNanos()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    // look at the row again
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e);
                }
            }
        } finally {
            waiting.remove(jobId, future);
        }
    }
}
