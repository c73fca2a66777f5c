package io.shardflow.worker.lanes;

import io.shardflow.core.messaging.ConsumerGroups;
import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.messaging.Topics;
import io.shardflow.db.lanes.LaneRegistry;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.messaging.JobTracing;
import io.shardflow.worker.WorkerSettings;
import io.shardflow.worker.compute.ComputeEngine;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;

/**
 * This worker's compute lanes. Each lane is a thread that claims a slot (a partition of the task topic) in the
 * database, reads that partition from its end (so every task addressed to it comes after), says it is ready, and
 * then runs the tasks admission addresses to it, one at a time: a busy lane is offered nothing. No consumer group
 * balances the partitions, so a worker that dies leaves nothing to rebalance: its slots' leases run out, admission
 * stops offering them, and its shards are queued again when their leases run out.
 *
 * <p>A graceful stop drains: admission stops offering the lanes tasks, tasks dispatched but not started go back to
 * the queue, running attempts get {@code drainTimeout} to finish and are handed back after it, and the slots are
 * given up for other lanes.
 */
public class Lanes implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(Lanes.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration LAG_COMMIT = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofMillis(50);

    private final WorkerIdentity identity;
    private final WorkerSettings settings;
    private final int slots;
    private final LaneRegistry registry;
    private final ShardRepository shards;
    private final ConsumerFactory<Object, Object> consumers;
    private final ShardExecutor executor;
    private final ComputeEngine engine;
    private final Clock clock;
    /** The slot each reading lane holds, by lane index: the slots the heartbeat renews. */
    private final Map<Integer, Integer> held = new ConcurrentHashMap<>();

    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;
    private final AtomicInteger busy = new AtomicInteger();
    private volatile int total;

    public Lanes(
            WorkerIdentity identity,
            WorkerSettings settings,
            int slots,
            LaneRegistry registry,
            ShardRepository shards,
            ConsumerFactory<Object, Object> consumers,
            ShardExecutor executor,
            ComputeEngine engine,
            Clock clock) {
        this.identity = identity;
        this.settings = settings;
        this.slots = slots;
        this.registry = registry;
        this.shards = shards;
        this.consumers = consumers;
        this.executor = executor;
        this.engine = engine;
        this.clock = clock;
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        try {
            // a worker restarted under its fixed id: the slots and tasks of the process before it are nobody's now
            registry.releaseAll(identity.id());
            shards.returnUnstarted(identity.id());
        } catch (RuntimeException e) {
            log.warn("could not give up what this worker's id held before; its leases run out instead", e);
        }
        var devices = engine.laneDevices(settings.effectiveLanes());
        total = devices.size();
        for (int i = 0; i < devices.size(); i++) {
            int index = i;
            var thread = new Thread(() -> runLane(index, devices.get(index)), "shardflow-lane-" + i);
            thread.setDaemon(true);
            // an Error ends the lane (its shard's lease runs out and it runs elsewhere); the worker's health then
            // says so, and its orchestrator restarts it
            thread.setUncaughtExceptionHandler((t, e) -> log.error("lane {} died; this worker is unhealthy", index, e));
            thread.start();
            threads.add(thread);
        }
    }

    /** Drains, as the class comment says; returns within {@code drainTimeout} plus a few database writes. */
    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        int returned = 0;
        try {
            registry.drain(identity.id());
            returned = shards.returnUnstarted(identity.id());
        } catch (RuntimeException e) {
            // the leases run out instead: the shards still run again, only later
            log.warn("could not give this worker's unstarted tasks back", e);
        }
        int atStop = executor.inFlight().size();
        long deadline = System.nanoTime() + settings.drainTimeout().toNanos();
        while (!executor.inFlight().isEmpty() && System.nanoTime() < deadline) {
            sleep(WAIT);
        }
        int handedBack = executor.handBackUnfinished("its worker stopped before finishing it");
        for (var thread : threads) {
            try {
                thread.join(POLL.multipliedBy(5).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        threads.clear();
        try {
            for (var slot : held.values()) {
                registry.release(slot, identity.id());
            }
        } catch (RuntimeException e) {
            log.warn("could not give this worker's lane slots up; they are free once their leases run out", e);
        }
        held.clear();
        log.info(
                "lanes stopped: {} unstarted task(s) queued again, {} attempt(s) running at the stop, {} handed back "
                        + "unfinished",
                returned,
                atStop,
                handedBack);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * The phase of Kafka's listener containers: late to start, early to stop, so the lanes drain while the database,
     * the generation engine and the completion executors they use are still there (those close as beans are destroyed,
     * after every phase has stopped).
     */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 100;
    }

    /**
     * Extends the leases of the slots the lanes hold, until {@code leaseUntil}; a lane whose slot was taken (its
     * lease ran out while this worker was cut off) lets it go and claims another.
     */
    public void renew(Instant leaseUntil) {
        var kept = registry.renew(identity.id(), held.values(), leaseUntil);
        held.entrySet().removeIf(entry -> {
            boolean lost = !kept.contains(entry.getValue());
            if (lost) {
                log.warn(
                        "lane {} lost slot {}: its lease ran out; it claims another", entry.getKey(), entry.getValue());
            }
            return lost;
        });
    }

    /** Whether every lane thread is alive: false once one died of an Error. */
    public synchronized boolean allAlive() {
        return running && threads.stream().allMatch(Thread::isAlive);
    }

    /** The slots the lanes read now. */
    /** Lanes this worker runs (0 before it starts). */
    public int total() {
        return total;
    }

    /** Lanes running a task now (a generation task only while the lane hands it to the engine). */
    public int busy() {
        return busy.get();
    }

    public List<Integer> slots() {
        return List.copyOf(held.values());
    }

    private void runLane(int index, String device) {
        engine.bindLane(); // this thread is the lane: it computes on the lane's device
        while (running) {
            var slot = claim(index, device);
            if (slot.isEmpty()) {
                sleep(settings.heartbeatInterval());
                continue;
            }
            try {
                read(index, slot.getAsInt());
            } catch (RuntimeException e) {
                log.warn("lane {} stopped reading slot {}; it claims again", index, slot.getAsInt(), e);
                sleep(settings.heartbeatInterval());
            } finally {
                if (held.remove(index, slot.getAsInt()) && running) {
                    release(slot.getAsInt());
                }
            }
        }
    }

    private OptionalInt claim(int index, String device) {
        try {
            var slot = registry.claim(
                    identity.id(),
                    index,
                    device,
                    settings.modelCap(),
                    slots,
                    clock.instant().plus(settings.lease()));
            if (slot.isEmpty()) {
                log.warn(
                        "lane {} found no free slot: the fleet's lanes already hold all {} partitions of {}",
                        index,
                        slots,
                        Topics.SHARD_TASKS);
            }
            return slot;
        } catch (RuntimeException e) {
            log.warn("lane {} could not claim a slot", index, e);
            return OptionalInt.empty();
        }
    }

    private void read(int index, int slot) {
        var partition = new TopicPartition(Topics.SHARD_TASKS, slot);
        var overrides = new Properties();
        overrides.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        try (Consumer<Object, Object> consumer = consumers.createConsumer(
                ConsumerGroups.WORKERS, identity.id() + "-lane-", Integer.toString(index), overrides)) {
            consumer.assign(List.of(partition));
            consumer.seekToEnd(List.of(partition));
            // resolves the end now, before the lane is ready: tasks addressed to it can only come after
            consumer.position(partition);
            if (!registry.ready(slot, identity.id())) {
                return;
            }
            held.put(index, slot);
            log.debug("lane {} reads slot {}", index, slot);
            boolean uncommitted = false;
            long lastCommit = System.nanoTime();
            while (running && held.containsKey(index)) {
                for (var record : consumer.poll(POLL)) {
                    run(record);
                    uncommitted = true;
                }
                // only for the lag an operator sees: where a lane starts reading never depends on it, so once a
                // second at most (a commit is a write on the broker)
                if (uncommitted && System.nanoTime() - lastCommit >= LAG_COMMIT.toNanos()) {
                    consumer.commitAsync();
                    uncommitted = false;
                    lastCommit = System.nanoTime();
                }
            }
            if (uncommitted) {
                consumer.commitAsync();
            }
        }
    }

    /** Runs one task; what fails outside its computation (the database away, say) leaves the lane reading. */
    private void run(ConsumerRecord<Object, Object> record) {
        busy.incrementAndGet();
        try {
            var trace = record.headers().lastHeader(JobTracing.TRACEPARENT);
            executor.execute(
                    MessageCodec.decode((byte[]) record.value(), ShardTask.class),
                    trace == null ? null : new String(trace.value(), StandardCharsets.US_ASCII));
        } catch (RuntimeException e) {
            // the shard's lease runs out and it is queued again
            log.warn("a task could not be run", e);
        } finally {
            busy.decrementAndGet();
        }
    }

    private void release(int slot) {
        try {
            registry.release(slot, identity.id());
        } catch (RuntimeException e) {
            log.warn("could not give slot {} up; it is free once its lease runs out", slot, e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
