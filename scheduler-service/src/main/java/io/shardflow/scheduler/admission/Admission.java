package io.shardflow.scheduler.admission;

import io.shardflow.db.jdbc.AsyncCommit;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.lanes.LaneRegistry;
import io.shardflow.db.quotas.TenantQuotas;
import io.shardflow.db.shards.ShardQueue;
import io.shardflow.db.shards.ShardRepository;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Gives idle lanes the shards waiting for them, by the rules of {@link AdmissionPolicy}, in passes: woken when work
 * is queued or a lane frees in this process, and every {@code interval} for what other processes changed (a worker
 * joined, another scheduler queued work). Each pass is one transaction under a database-wide lock, so passes of
 * several scheduler processes take turns and none acts on a stale picture; everything a pass knows it reads from
 * the rows, and everything it decides it writes there (the shard DISPATCHED to a lane, and the task in the outbox
 * addressed to that lane's partition) before it commits. A crash loses nothing: the next pass, here or elsewhere,
 * reads the same rows.
 */
public class Admission implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(Admission.class);
    private static final Duration REPEAT_WARNING = Duration.ofMinutes(1);
    /** Waiting shards read per tenant beyond the idle lanes, for those no idle lane can hold. */
    private static final int LOOKAHEAD = 16;
    /** The advisory lock every pass holds, in whichever transaction it runs. */
    private static final String LOCK = "hashtext('shardflow.admission')";

    private final LaneRegistry lanes;
    private final ShardQueue queue;
    private final ShardRepository shards;
    private final JobRepository jobs;
    private final TenantQuotas quotas;
    private final LaneTasks tasks;
    private final AdmissionPolicy policy;
    private final JdbcClient jdbc;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final Duration interval;
    private final Duration dispatchLease;
    private final Duration fairShareWindow;
    private final Object signal = new Object();
    private boolean wanted; // guarded by signal
    private volatile boolean running;
    private @Nullable Thread thread;
    private @Nullable Instant lastWarning;

    public Admission(
            LaneRegistry lanes,
            ShardQueue queue,
            ShardRepository shards,
            JobRepository jobs,
            TenantQuotas quotas,
            LaneTasks tasks,
            AdmissionPolicy policy,
            JdbcClient jdbc,
            TransactionTemplate tx,
            Clock clock,
            Duration interval,
            Duration dispatchLease,
            Duration fairShareWindow) {
        this.lanes = lanes;
        this.queue = queue;
        this.shards = shards;
        this.jobs = jobs;
        this.quotas = quotas;
        this.tasks = tasks;
        this.policy = policy;
        this.jdbc = jdbc;
        this.tx = tx;
        this.clock = clock;
        this.interval = interval;
        this.dispatchLease = dispatchLease;
        this.fairShareWindow = fairShareWindow;
    }

    /** Asks for a pass soon; many calls before it runs make one pass. */
    public void wake() {
        synchronized (signal) {
            wanted = true;
            signal.notifyAll();
        }
    }

    /**
     * {@link #wake} once the calling transaction commits (at once outside one): a pass sees what it wrote. Not when a
     * {@linkplain #passWithin pass within} that transaction came after the call: it has seen it all.
     */
    public void wakeAfterCommit() {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            wake();
            return;
        }
        afterCommit().wanted = true;
    }

    /** The calling transaction's wake, registered with its first request. */
    private AfterCommit afterCommit() {
        if (TransactionSynchronizationManager.getResource(this) instanceof AfterCommit bound) {
            return bound;
        }
        var created = new AfterCommit();
        TransactionSynchronizationManager.bindResource(this, created);
        TransactionSynchronizationManager.registerSynchronization(created);
        return created;
    }

    /** Whether a transaction still wants a pass after it commits. */
    private final class AfterCommit implements TransactionSynchronization {
        private boolean wanted;

        @Override
        public void afterCommit() {
            if (wanted) {
                wake();
            }
        }

        @Override
        public void afterCompletion(int status) {
            TransactionSynchronizationManager.unbindResourceIfPossible(Admission.this);
        }
    }

    /**
     * Runs one pass now, in the caller's thread; returns the shards dispatched. Its commit does not wait for the disk:
     * a pass PostgreSQL loses in a crash loses its tasks with it (the same transaction), its shards are PENDING again
     * and the next pass admits them; a task the relay sent before the crash is claimed only where the shard's row
     * says it was dispatched (attempt and worker), and at most one claim of an attempt succeeds.
     */
    public int pass() {
        Integer dispatched = tx.execute(s -> {
            AsyncCommit.forThisTransaction(jdbc);
            // one pass at a time in the whole platform; released when this transaction ends
            jdbc.sql("select pg_advisory_xact_lock(" + LOCK + ")").query().listOfRows();
            return admit();
        });
        return dispatched == null ? 0 : dispatched;
    }

    /**
     * A pass inside the calling transaction, when no other pass holds the lock at this moment: the shards the caller
     * just queued (the next round of a job whose round it merged, say) leave with its commit, on the lanes that
     * round freed, rather than after a wake, a second transaction and its commit. The same pass, by the same rules,
     * only earlier; it keeps the lock until the caller commits, and other passes wait for it as for any other. When
     * the lock is taken, or admission is stopped, it only wakes a pass after commit. Returns the shards dispatched.
     */
    public int passWithin() {
        if (!running || !TransactionSynchronizationManager.isActualTransactionActive()) {
            wakeAfterCommit();
            return 0;
        }
        // never waits: a merge must not queue behind a pass that may itself wait on the rows this job holds
        Boolean locked = jdbc.sql("select pg_try_advisory_xact_lock(" + LOCK + ")")
                .query(Boolean.class)
                .single();
        if (!Boolean.TRUE.equals(locked)) {
            wakeAfterCommit();
            return 0;
        }
        int dispatched = admit();
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            afterCommit().wanted = false; // this pass saw what the wakes asked for so far, lanes freed included
        }
        return dispatched;
    }

    private int admit() {
        var live = lanes.live();
        long idle = live.stream().filter(lane -> !lane.busy()).count();
        if (live.isEmpty()) {
            return 0;
        }
        // with every lane busy only generation tasks (which take none) can go anywhere: read no more than those
        var waiting = queue.waiting((int) idle + LOOKAHEAD, idle > 0);
        if (waiting.isEmpty()) {
            return 0;
        }
        var tenants = waiting.stream().map(ShardQueue.Waiting::tenant).collect(Collectors.toSet());
        var now = clock.instant();
        // fair share orders tenants against each other: with one alone waiting for lanes, what it holds is all the
        // policy weighs, and the read of the window's finished shards (which grows with the rate of jobs) is spared
        long laneTenants = waiting.stream()
                .filter(ShardQueue.Waiting::takesLane)
                .map(ShardQueue.Waiting::tenant)
                .distinct()
                .count();
        var loads = laneTenants > 1 ? queue.load(queue.fairShareSince(now, fairShareWindow), now) : queue.held();
        var assignments = policy.assign(live, waiting, loads, quotas.effective(tenants), now);
        var jobCache = new HashMap<UUID, Optional<JobRow>>();
        int dispatched = 0;
        for (var assignment : assignments) {
            var shard = assignment.shard();
            var lane = assignment.lane();
            var job = jobCache.computeIfAbsent(shard.key().jobId(), jobs::find);
            if (job.isEmpty() || job.get().plan() == null) {
                continue;
            }
            // no longer than the lane's own lease: a task given to a lane whose worker just died is queued again as
            // soon as the lane lapses
            var lease = now.plus(dispatchLease);
            var row = shards.assign(
                    shard.key(),
                    shard.attempt(),
                    lane.workerId(),
                    lane.slot(),
                    lane.leaseUntil().isBefore(lease) ? lane.leaseUntil() : lease);
            // absent: its row was busy (a coordinator holds it) or it changed; the next pass looks again
            if (row.isPresent()) {
                tasks.send(job.get(), job.get().planned(), row.get(), lane.slot());
                dispatched++;
            }
        }
        return dispatched;
    }

    private void loop() {
        while (running) {
            synchronized (signal) {
                if (!wanted) {
                    try {
                        signal.wait(interval.toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                wanted = false;
            }
            if (!running) {
                return;
            }
            try {
                pass();
                if (lastWarning != null) {
                    log.info("admission recovered");
                    lastWarning = null;
                }
            } catch (RuntimeException e) {
                failed(e);
            }
        }
    }

    private void failed(RuntimeException e) {
        var now = clock.instant();
        var warned = lastWarning;
        if (warned == null) {
            log.warn("admission pass failed; trying again every {}", interval, e);
            lastWarning = now;
        } else if (!now.isBefore(warned.plus(REPEAT_WARNING))) {
            log.warn("admission passes still failing, the last with {}", e.toString());
            lastWarning = now;
        }
        try {
            Thread.sleep(interval.toMillis()); // not a tight loop while the database is away
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        var started = new Thread(this::loop, "shardflow-admission");
        started.setDaemon(true);
        started.start();
        thread = started;
    }

    @Override
    public synchronized void stop() {
        running = false;
        wake();
        var stopping = thread;
        if (stopping != null) {
            try {
                stopping.join(Duration.ofSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        thread = null;
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
