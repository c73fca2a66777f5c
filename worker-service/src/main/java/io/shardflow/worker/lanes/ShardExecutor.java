package io.shardflow.worker.lanes;

import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.messaging.TaskKind;
import io.shardflow.messaging.JobLog;
import io.shardflow.messaging.JobTracing;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one shard task: claims the attempt, computes the shard (inference, training, a pipeline stage on the calling
 * lane; generation in the batching engine), then stores the partial, marks the shard DONE and queues the
 * completion notice in one transaction. Whatever
 * happens short of an {@link Error}, the attempt ends with a notice: success, or a failure that says whether a retry
 * can help. After an Error nothing is written; the attempt's lease runs out and the scheduler retries the shard.
 */
public class ShardExecutor {
    private static final Logger log = LoggerFactory.getLogger(ShardExecutor.class);
    /**
     * How long a task the generation engine had no room for stays here before it is handed back: at once, it would
     * come straight back (perhaps to this worker) in a loop of writes; a second later the engine has made room, or
     * another worker takes it.
     */
    static final Duration FULL_HAND_BACK_DELAY = Duration.ofSeconds(1);

    private final Attempts attempts;
    private final Computations computations;
    // finishes generation tasks off the engine's thread, so a database write never stalls a batched step
    private final Executor completions;
    // each attempt in flight, with when it began and the span its lane ran it in
    private final Map<ShardTask, Running> inFlight = new ConcurrentHashMap<>();
    private final AtomicLong done = new AtomicLong();
    private final ShardMeters meters;
    private final JobTracing tracing;

    /** An attempt in flight: when it began ({@link System#nanoTime}) and its span ({@code traceparent}). */
    private record Running(long started, @Nullable String trace) {}

    public ShardExecutor(
            Attempts attempts,
            Computations computations,
            Executor completions,
            ShardMeters meters,
            JobTracing tracing) {
        this.attempts = attempts;
        this.computations = computations;
        this.completions = completions;
        this.meters = meters;
        this.tracing = tracing;
    }

    public void execute(ShardTask task) {
        execute(task, null);
    }

    /**
     * Runs the task in a span of its job's trace: a child of {@code traceparent}, the span that sent the task (its
     * message's header), so what the attempt writes (its notice, its job's events) continues the trace.
     */
    public void execute(ShardTask task, @Nullable String traceparent) {
        try (var ignored = logScope(task);
                var span = tracing.start("shard " + task.kind(), traceparent)) {
            span.tag("shardflow.job", task.jobId().toString())
                    .tag("shardflow.shard", task.shardName())
                    .tag("shardflow.attempt", Integer.toString(task.attempt()));
            run(task);
        }
    }

    /** The span of an attempt that ends on another thread than its lane's (generation), or is handed back. */
    private JobTracing.Scope continued(String name, @Nullable Running running) {
        return tracing.start(name, running == null ? null : running.trace());
    }

    /** Every line written about this attempt names its job, tenant and shard. */
    private static JobLog logScope(ShardTask task) {
        return JobLog.of(task.jobId()).withTenant(task.tenant()).shard(task.shardName());
    }

    private void run(ShardTask task) {
        if (!attempts.claim(task)) {
            log.debug("dropping {} attempt {}: stale, already done, or its job ended", task.shardKey(), task.attempt());
            return;
        }
        long started = System.nanoTime();
        inFlight.put(task, new Running(started, tracing.traceparent()));
        meters.started(task);
        recordQueueWait(task);
        if (task.kind() == TaskKind.GENERATE) {
            startGeneration(task, started);
            return;
        }
        try {
            var computed = computations.onLane(task.kind()).computeSlice(task);
            complete(task, computed, started);
        } catch (Exception e) {
            failed(task, e, started);
        } finally {
            // from here on the heartbeat no longer extends this attempt's lease. An Error (out of memory, say) is
            // not caught: a broken thread writes nothing more, and the lease running out sends the shard elsewhere
            inFlight.remove(task);
        }
    }

    /** The job's queue wait, if this is its first shard to run; a failure to say so only loses the measurement. */
    private void recordQueueWait(ShardTask task) {
        try {
            attempts.firstRunning(task).ifPresent(meters::firstRunning);
        } catch (RuntimeException e) {
            log.debug("could not mark {} as its job's first running shard", task.shardKey(), e);
        }
    }

    /**
     * Hands a generation task to the engine and returns, so the lane takes the next task while the engine batches
     * this one with others. The attempt stays in flight (its lease extended) until the engine finishes it; if
     * this worker dies meanwhile, the lease runs out and the shard runs again elsewhere.
     */
    private void startGeneration(ShardTask task, long started) {
        boolean handedOver = false;
        try {
            // finishGeneration records every outcome itself and logs what fails in it: nothing waits on this stage
            var unused = computations
                    .generation()
                    .start(task)
                    .whenCompleteAsync((output, error) -> finishGeneration(task, output, error, started), completions);
            handedOver = true;
        } catch (QueueFullException e) {
            // the lane does not wait for room: the attempt stays in flight (leased) until it is handed back
            handBackLater(task, String.valueOf(e.getMessage()), started);
            handedOver = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failed(task, e, started);
        } finally {
            if (!handedOver) {
                inFlight.remove(task);
            }
        }
    }

    /** Hands the attempt back after {@link #FULL_HAND_BACK_DELAY}, unless a stopping worker handed it back first. */
    private void handBackLater(ShardTask task, String reason, long started) {
        CompletableFuture.delayedExecutor(FULL_HAND_BACK_DELAY.toMillis(), TimeUnit.MILLISECONDS, completions)
                .execute(() -> {
                    var running = inFlight.remove(task);
                    if (running == null) {
                        return;
                    }
                    try (var ignored = logScope(task);
                            var span = continued("hand back", running)) {
                        attempts.handBack(task, reason);
                        meters.ended(task, ShardMeters.Outcome.HANDED_BACK, started);
                        log.debug("handed back {} attempt {}: {}", task.shardKey(), task.attempt(), reason);
                    } catch (RuntimeException e) {
                        // its lease runs out instead: the shard still runs again, only later
                        log.warn("could not hand back {} attempt {}", task.shardKey(), task.attempt(), e);
                    }
                });
    }

    /** Ends a generation attempt on a completions thread, as {@link #execute} ends the others on the lane. */
    private void finishGeneration(ShardTask task, byte @Nullable [] output, @Nullable Throwable error, long started) {
        var cause = error instanceof CompletionException c && c.getCause() != null ? c.getCause() : error;
        try (var ignored = logScope(task);
                var span = continued("generation ended", inFlight.get(task))) {
            if (cause == null && output != null) {
                complete(task, new Computed(output, task.rowEnd()), started);
            } else if (cause == null) {
                failed(task, new IllegalStateException("the generation engine finished without output"), started);
            } else if (cause instanceof Exception e) {
                failed(task, e, started);
            } else {
                // an Error in the engine: write nothing, as on a lane; the lease runs out and the shard runs again
                log.error(
                        "shard {} attempt {} failed in the generation engine", task.shardKey(), task.attempt(), cause);
            }
        } catch (RuntimeException e) {
            // nothing reads the future this runs in: without this line the failure would go unseen
            log.warn("shard {} attempt {}: could not record how it ended", task.shardKey(), task.attempt(), e);
        } finally {
            inFlight.remove(task);
        }
    }

    private void complete(ShardTask task, Computed computed, long started) {
        if (attempts.complete(task, computed, (System.nanoTime() - started) / 1_000_000)) {
            done.incrementAndGet(); // a refused (superseded) attempt did not finish the shard
            meters.ended(task, ShardMeters.Outcome.DONE, started);
        } else {
            meters.ended(task, ShardMeters.Outcome.SUPERSEDED, started);
        }
    }

    /** The attempt always ends with a notice, so the scheduler need not wait for its lease to run out. */
    private void failed(ShardTask task, Exception e, long started) {
        if (e instanceof ShardInputException input) {
            attempts.fail(task, input.reason(), false, null);
            meters.ended(task, ShardMeters.Outcome.FAILED, started);
        } else if (e instanceof CancellationException) {
            log.debug("{} dropped: {}", task.shardKey(), e.getMessage());
        } else {
            log.warn("shard {} attempt {} failed", task.shardKey(), task.attempt(), e);
            // where it was thrown goes with the notice: an operator reads it on the job's page
            var trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            attempts.fail(task, e.getClass().getSimpleName() + ": " + e.getMessage(), true, trace.toString());
            meters.ended(task, ShardMeters.Outcome.FAILED, started);
        }
    }

    /**
     * Gives back every attempt still running, each with a notice that sends it elsewhere at once, and stops extending
     * their leases. A computation that still ends here later finds its attempt superseded and writes nothing (or, if
     * it ends before the scheduler reads the notice, completes the shard, and the notice is ignored).
     */
    public int handBackUnfinished(String reason) {
        int handedBack = 0;
        for (var entry : Map.copyOf(inFlight).entrySet()) {
            var task = entry.getKey();
            try (var ignored = logScope(task);
                    var span = continued("hand back", entry.getValue())) {
                attempts.handBack(task, reason);
                meters.ended(
                        task, ShardMeters.Outcome.HANDED_BACK, entry.getValue().started());
                handedBack++;
            } catch (RuntimeException e) {
                // its lease runs out instead: the shard still runs again, only later
                log.warn("could not hand back {} attempt {}", task.shardKey(), task.attempt(), e);
            }
            inFlight.remove(task);
        }
        return handedBack;
    }

    public int busyLanes() {
        return inFlight.size();
    }

    /** The attempts the lanes are computing now: the only ones whose leases the heartbeat extends. */
    public Set<ShardTask> inFlight() {
        return Set.copyOf(inFlight.keySet());
    }

    public long tasksDone() {
        return done.get();
    }
}
