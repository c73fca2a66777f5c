package io.shardflow.worker.lanes;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.AbstractMessageListenerContainer;

/**
 * A worker's graceful stop (SIGTERM). First the lanes stop taking tasks: their consumers finish the task in hand
 * and leave the group, so the broker gives their partitions to other workers at once. Then the attempts still
 * running (lanes and generation alike) have {@code drainTimeout} to finish; whatever has not finished by then is
 * handed back, and the scheduler sends it to another worker at once, without using up an attempt. The stop thus
 * takes at most {@code drainTimeout} plus a few database writes.
 */
public class LaneDrain implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(LaneDrain.class);
    private static final Duration POLL = Duration.ofMillis(50);

    private final KafkaListenerEndpointRegistry registry;
    private final ShardExecutor executor;
    private final Duration drainTimeout;
    private volatile boolean running;

    public LaneDrain(KafkaListenerEndpointRegistry registry, ShardExecutor executor, Duration drainTimeout) {
        this.registry = registry;
        this.executor = executor;
        this.drainTimeout = drainTimeout;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        var lanes = registry.getListenerContainer(ShardTaskListener.LISTENER_ID);
        if (lanes != null && lanes.isRunning()) {
            // asynchronous: a lane computing a shard stops polling now and leaves the group once the shard is done
            lanes.stop(() -> {});
        }
        int atStop = executor.inFlight().size();
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        while (!executor.inFlight().isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int handedBack = executor.handBackUnfinished("its worker stopped before finishing it");
        log.info("lanes stopped: {} attempt(s) running at the stop, {} handed back unfinished", atStop, handedBack);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Above the listener containers' phase: it stops first, and stops them itself. */
    @Override
    public int getPhase() {
        return AbstractMessageListenerContainer.DEFAULT_PHASE + 50;
    }
}
