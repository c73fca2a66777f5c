package io.shardflow.api.jobs;

import io.shardflow.core.messaging.ConsumerGroups;
import io.shardflow.core.messaging.JobEvent;
import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.messaging.Topics;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.messaging.JobEnded;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.web.server.context.WebServerGracefulShutdownLifecycle;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * Lets a request thread wait for a job to end. Every API instance reads the lifecycle events in a group of its
 * own and wakes the waiters of the jobs that ended; a check of the job row every {@link #RECHECK} covers an event
 * that came before this instance's consumer joined, or one that is late. When the server stops, the waits end at
 * once, before the web server waits for its requests to finish: a stopping server answers rather than holding the
 * stop for as long as a job may take.
 */
@Component
public class JobCompletions implements SmartLifecycle {
    static final Duration RECHECK = Duration.ofMillis(250);

    private final JobRepository jobs;
    private final Duration recheck;
    /**
     * A future per waiter, not one per job: a waiter that leaves (it timed out, say) removes only its own, so the
     * job's end still finds and wakes every waiter that stays.
     */
    private final Map<UUID, Set<CompletableFuture<Void>>> waiting = new ConcurrentHashMap<>();

    private volatile boolean running;
    private volatile boolean stopping;

    @Autowired
    public JobCompletions(JobRepository jobs) {
        this(jobs, RECHECK);
    }

    /** With another re-check interval: tests make it long, so that only a wake-up returns a waiter in time. */
    JobCompletions(JobRepository jobs, Duration recheck) {
        this.jobs = jobs;
        this.recheck = recheck;
    }

    @KafkaListener(
            id = "shardflow-sync-waiters",
            topics = Topics.JOB_EVENTS,
            groupId = ConsumerGroups.API + "-waiters-#{T(java.util.UUID).randomUUID()}",
            properties = {"auto.offset.reset=latest", "enable.auto.commit=false"})
    public void onEvent(ConsumerRecord<String, byte[]> record) {
        if (waiting.isEmpty()) {
            return; // nobody waits: no need to read the event
        }
        var event = MessageCodec.decode(record.value(), JobEvent.class);
        if (event.data() != null && event.data().status().isTerminal()) {
            wake(event.data().jobId());
        }
    }

    /** A job ended in this process: its waiters wake without waiting for the event to come round through Kafka. */
    @TransactionalEventListener(fallbackExecution = true)
    public void onJobEnded(JobEnded ended) {
        wake(ended.jobId());
    }

    private void wake(UUID jobId) {
        var waiters = waiting.get(jobId);
        if (waiters != null) {
            waiters.forEach(w -> w.complete(null));
        }
    }

    /**
     * The job once it has ended, a TimeoutException after {@code timeout}, or a CancellationException as soon as the
     * server stops.
     */
    public JobRow await(UUID jobId, Duration timeout) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        // registered before the first look at the row, so an end between the two is not missed
        var woken = register(jobId);
        try {
            while (true) {
                var job = jobs.find(jobId).orElseThrow();
                if (job.status().isTerminal()) {
                    return job;
                }
                if (stopping) {
                    throw new CancellationException("the server is stopping");
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("job " + jobId + " did not end within " + timeout);
                }
                if (woken.isDone()) {
                    // woken, yet the row has not ended: wait afresh rather than spin on a completed future
                    unregister(jobId, woken);
                    woken = register(jobId);
                }
                try {
                    woken.get(Math.min(left, recheck.toNanos()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    // look at the row again
                } catch (ExecutionException e) {
                    throw new IllegalStateException(e);
                }
            }
        } finally {
            unregister(jobId, woken);
        }
    }

    /** Also after a stop: a context that is stopped and started again (Spring does so with idle contexts) waits again. */
    @Override
    public void start() {
        stopping = false;
        running = true;
    }

    /** Wakes every waiter, which then ends its wait. */
    @Override
    public void stop() {
        stopping = true;
        running = false;
        waiting.values().forEach(waiters -> waiters.forEach(w -> w.complete(null)));
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Just before the web server's graceful stop, which waits for the requests in progress. */
    @Override
    public int getPhase() {
        return WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE + 1;
    }

    /** How many requests wait for this job now. */
    int waiters(UUID jobId) {
        var waiters = waiting.get(jobId);
        return waiters == null ? 0 : waiters.size();
    }

    private CompletableFuture<Void> register(UUID jobId) {
        var woken = new CompletableFuture<Void>();
        waiting.compute(jobId, (id, waiters) -> {
            var set = waiters != null ? waiters : ConcurrentHashMap.<CompletableFuture<Void>>newKeySet();
            set.add(woken);
            return set;
        });
        return woken;
    }

    /** Removes this waiter, and the job's entry with its last waiter; compute keeps both atomic per job. */
    @SuppressWarnings("UndefinedEquals") // a waiter is its future, compared by identity
    private void unregister(UUID jobId, CompletableFuture<Void> woken) {
        waiting.computeIfPresent(jobId, (id, waiters) -> {
            waiters.remove(woken);
            return waiters.isEmpty() ? null : waiters;
        });
    }
}
