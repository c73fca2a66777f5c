package io.shardflow.worker.generation;

import io.shardflow.core.generation.Completion;
import io.shardflow.core.generation.GenerationResult;
import io.shardflow.core.generation.GenerationSpec;
import io.shardflow.core.generation.TokenSampler;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.db.models.ModelRow;
import io.shardflow.worker.compute.GptNetwork;
import io.shardflow.worker.lanes.QueueFullException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.listener.AbstractMessageListenerContainer;

/**
 * Continuous batching for gpt generation. Sequences from any number of shard tasks (of any jobs) on the same
 * model share one KV-cache batch of {@code maxBatch} slots, and one thread runs one forward pass per token step
 * for all of them. A sequence joins the running batch as soon as a slot is free (the prompts admitted together
 * are prefilled in one pass) and leaves it when its completion ends, so short requests never wait for long ones.
 *
 * <p>Sampling uses {@link TokenSampler} keyed by the prompt's index in its job, so a completion does not depend
 * on what it was batched with. At most about {@code maxWaiting} sequences wait for a slot (queued or pending):
 * a task that does not fit is refused at once with a {@link QueueFullException}, and the lane that offered it hands
 * it back rather than wait (back-pressure without blocking the lane's consumer).
 *
 * <p>The loop's thread runs between {@link #start} and {@link #stop}; {@link #close} also frees the batches' KV
 * caches. In a Spring context it starts before the lanes take tasks and stops after they have stopped.
 */
public class GenerationEngine implements SmartLifecycle, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GenerationEngine.class);
    private static final long IDLE_BATCH_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long CHECK_WANTED_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final GptNetworks networks;
    private final int maxBatch;
    private final Function<Set<UUID>, Set<UUID>> ended;
    private final int maxWaiting;
    private final BlockingQueue<Sequence> waiting = new LinkedBlockingQueue<>();
    /** Sequences submitted that have not yet taken a slot (or been dropped): in {@link #waiting} or {@link #pending}. */
    private final AtomicInteger unslotted = new AtomicInteger();

    private final Map<UUID, ModelBatch> batches = new LinkedHashMap<>();
    private final Map<UUID, ArrayDeque<Sequence>> pending = new HashMap<>();
    private @Nullable Thread loop;
    private final AtomicLong tokens = new AtomicLong();
    // KV-cache slots holding a sequence now, over every model's batch (read by the meters from another thread)
    private final AtomicInteger occupied = new AtomicInteger();
    private final AtomicLong steps = new AtomicLong();
    private final AtomicLong stepSequences = new AtomicLong();
    private final AtomicLong stepNanos = new AtomicLong();
    private final AtomicLong prefillNanos = new AtomicLong();
    private final AtomicLong prefills = new AtomicLong();
    private volatile boolean running;
    private long lastWantedCheck = System.nanoTime();

    /** The prompts of one shard task: done when every one of its sequences is. */
    private static final class Group {
        final UUID jobId;
        final String[] outputs;
        final CompletableFuture<GenerationResult> future = new CompletableFuture<>();
        int remaining;

        Group(UUID jobId, int size) {
            this.jobId = jobId;
            this.outputs = new String[size];
            this.remaining = size;
        }
    }

    private record Sequence(
            Group group,
            int offset,
            long promptIndex,
            byte[] prompt,
            Completion completion,
            GenerationSpec spec,
            ModelRow model) {}

    /** One model's running batch: its network, its KV cache and which sequence holds each slot. */
    private final class ModelBatch {
        final GptNetworks.Key key;
        final GptNetwork network;
        final GptNetwork.DecodeBatch decode;
        final @Nullable Sequence[] slots;
        final int[] lastToken;
        long lastUsed = System.nanoTime();

        ModelBatch(ModelRow model) {
            this.key = new GptNetworks.Key(model.id(), 0, 1);
            this.network = networks.acquire(model, key);
            this.decode = network.newBatch(maxBatch);
            this.slots = new @Nullable Sequence[maxBatch];
            this.lastToken = new int[maxBatch];
        }

        boolean active() {
            for (var s : slots) {
                if (s != null) {
                    return true;
                }
            }
            return false;
        }

        void close() {
            decode.close();
            networks.release(network);
        }
    }

    /** {@code ended} answers which of the given jobs have ended (cancelled, failed elsewhere), in one lookup. */
    public GenerationEngine(GptNetworks networks, int maxBatch, int maxWaiting, Function<Set<UUID>, Set<UUID>> ended) {
        this.networks = networks;
        this.maxBatch = maxBatch;
        this.ended = ended;
        this.maxWaiting = maxWaiting;
    }

    /** Starts the loop's thread; sequences submitted before wait in the queue. */
    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        loop = Thread.ofPlatform().name("shardflow-generation").daemon().start(this::run);
    }

    /**
     * Stops the loop after its current step, waiting up to five seconds. Sequences in flight stay unfinished: their
     * tasks' leases run out and the shards run again.
     */
    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        var thread = loop;
        if (thread == null) {
            throw new IllegalStateException("the generation loop ran without a thread");
        }
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Below the listener containers' phase: the loop starts before the lanes take tasks and stops after them. */
    @Override
    public int getPhase() {
        return AbstractMessageListenerContainer.DEFAULT_PHASE - 1;
    }

    /**
     * Queues a task's prompts, all or none; the future completes with their completions in order. Never blocks: a
     * {@link QueueFullException} when they do not fit under {@code maxWaiting}. A task larger than that bound is taken
     * alone, when nothing waits, so that it is never refused for good.
     */
    public CompletableFuture<GenerationResult> submit(
            UUID jobId, ModelRow model, GenerationSpec spec, List<String> prompts, long firstIndex) {
        int count = prompts.size();
        int before = unslotted.getAndUpdate(n -> fits(n, count) ? n + count : n);
        if (!fits(before, count)) {
            throw new QueueFullException("the worker's generation queue is full: " + before
                    + " sequences wait for a slot, " + count + " more would pass its bound of " + maxWaiting
                    + " (shardflow.worker.generation.max-waiting)");
        }
        var group = new Group(jobId, count);
        int context = ((GptArchitecture) model.architecture()).context();
        for (int i = 0; i < count; i++) {
            byte[] prompt = prompts.get(i).getBytes(StandardCharsets.UTF_8);
            waiting.add(
                    new Sequence(group, i, firstIndex + i, prompt, new Completion(prompt, spec, context), spec, model));
        }
        return group.future;
    }

    private boolean fits(int unslotted, int count) {
        return unslotted == 0 || unslotted + count <= maxWaiting;
    }

    /** Sequences submitted that wait for a slot now. */
    public int waitingSequences() {
        return unslotted.get();
    }

    private void run() {
        while (running) {
            try {
                admitWaiting();
                for (var batch : List.copyOf(batches.values())) {
                    fill(batch);
                    if (batch.active()) {
                        step(batch);
                    }
                }
                dropUnwanted();
                closeIdle();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | Error e) {
                log.error("generation loop failed; failing the sequences in flight", e);
                failAll(e);
            }
        }
    }

    /** Moves waiting sequences to their model's pending list; when there is nothing to compute, waits a little for some. */
    private void admitWaiting() throws InterruptedException {
        boolean idle = batches.values().stream().noneMatch(ModelBatch::active)
                && pending.values().stream().allMatch(ArrayDeque::isEmpty);
        Sequence next = idle ? waiting.poll(100, TimeUnit.MILLISECONDS) : waiting.poll();
        if (next == null) {
            return;
        }
        int taken = 0;
        do {
            pending.computeIfAbsent(next.model().id(), id -> new ArrayDeque<>()).add(next);
            taken++;
        } while (taken < 4 * maxBatch && (next = waiting.poll()) != null);
        for (var entry : pending.entrySet()) {
            if (!entry.getValue().isEmpty() && !batches.containsKey(entry.getKey())) {
                try {
                    batches.put(
                            entry.getKey(),
                            new ModelBatch(entry.getValue().peek().model()));
                } catch (RuntimeException e) {
                    // this model cannot load here (too large, say): its tasks fail, other models go on
                    entry.getValue().forEach(s -> s.group().future.completeExceptionally(e));
                    unslotted.addAndGet(-entry.getValue().size());
                    entry.getValue().clear();
                }
            }
        }
    }

    /** Prefills pending sequences into the batch's free slots, all in one forward pass. */
    private void fill(ModelBatch batch) {
        var queue = pending.get(batch.key.modelId());
        var slots = new ArrayList<Integer>();
        var admitted = new ArrayList<Sequence>();
        for (int slot = 0; slot < maxBatch && queue != null && !queue.isEmpty(); slot++) {
            if (batch.slots[slot] != null) {
                continue;
            }
            var sequence = queue.poll();
            unslotted.decrementAndGet();
            if (sequence.group().future.isDone()) {
                slot--; // dropped: its task failed or was cancelled
                continue;
            }
            slots.add(slot);
            admitted.add(sequence);
        }
        if (admitted.isEmpty()) {
            return;
        }
        long started = System.nanoTime();
        float[][] logits = batch.decode.prefill(
                slots.stream().mapToInt(Integer::intValue).toArray(),
                admitted.stream().map(Sequence::prompt).toArray(byte[][]::new));
        batch.lastUsed = System.nanoTime();
        prefillNanos.addAndGet(batch.lastUsed - started);
        prefills.addAndGet(admitted.size());
        for (int i = 0; i < admitted.size(); i++) {
            batch.slots[slots.get(i)] = admitted.get(i);
            occupied.incrementAndGet();
            advance(batch, slots.get(i), logits[i]);
        }
    }

    private void step(ModelBatch batch) {
        int count = 0;
        for (int slot = 0; slot < maxBatch; slot++) {
            var sequence = batch.slots[slot];
            if (sequence != null && sequence.group().future.isDone()) {
                release(batch, slot);
            } else if (sequence != null) {
                count++;
            }
        }
        if (count == 0) {
            return;
        }
        int[] active = new int[count];
        int[] inputs = new int[count];
        for (int slot = 0, i = 0; slot < maxBatch; slot++) {
            if (batch.slots[slot] != null) {
                active[i] = slot;
                inputs[i++] = batch.lastToken[slot];
            }
        }
        long started = System.nanoTime();
        float[][] logits = batch.decode.step(active, inputs);
        batch.lastUsed = System.nanoTime();
        stepNanos.addAndGet(batch.lastUsed - started);
        steps.incrementAndGet();
        stepSequences.addAndGet(count);
        for (int i = 0; i < count; i++) {
            advance(batch, active[i], logits[i]);
        }
    }

    /** Samples the slot's next byte from its logits; a finished sequence leaves the batch. */
    private void advance(ModelBatch batch, int slot, float[] logits) {
        var sequence = batch.slots[slot];
        if (sequence == null) {
            throw new IllegalStateException("slot " + slot + " of model " + batch.key.modelId() + " is empty");
        }
        var completion = sequence.completion();
        int token = TokenSampler.next(logits, sequence.spec(), sequence.promptIndex(), completion.tokens());
        tokens.incrementAndGet();
        if (completion.add(token)) {
            release(batch, slot);
            var group = sequence.group();
            group.outputs[sequence.offset()] = completion.text();
            if (--group.remaining == 0) {
                group.future.complete(GenerationResult.of(List.of(group.outputs)));
            }
        } else {
            batch.lastToken[slot] = token;
        }
    }

    private void release(ModelBatch batch, int slot) {
        if (batch.slots[slot] != null) {
            occupied.decrementAndGet();
        }
        batch.slots[slot] = null;
        batch.decode.release(slot);
    }

    /** Cancels the groups of jobs that ended meanwhile (cancelled, failed elsewhere), every half second. */
    private void dropUnwanted() {
        if (System.nanoTime() - lastWantedCheck < CHECK_WANTED_NANOS) {
            return;
        }
        lastWantedCheck = System.nanoTime();
        var groups = new HashSet<Group>();
        batches.values().forEach(b -> {
            for (var s : b.slots) {
                if (s != null) {
                    groups.add(s.group());
                }
            }
        });
        pending.values().forEach(q -> q.forEach(s -> groups.add(s.group())));
        var jobIds = new HashSet<UUID>();
        groups.forEach(g -> jobIds.add(g.jobId));
        var gone = ended.apply(jobIds);
        for (var group : groups) {
            if (gone.contains(group.jobId)) {
                group.future.completeExceptionally(new CancellationException("job " + group.jobId + " ended"));
            }
        }
    }

    private void closeIdle() {
        var it = batches.entrySet().iterator();
        while (it.hasNext()) {
            var entry = it.next();
            var queue = pending.get(entry.getKey());
            if (!entry.getValue().active()
                    && (queue == null || queue.isEmpty())
                    && System.nanoTime() - entry.getValue().lastUsed > IDLE_BATCH_NANOS) {
                entry.getValue().close();
                it.remove();
                pending.remove(entry.getKey());
            }
        }
    }

    private void failAll(Throwable e) {
        for (var batch : batches.values()) {
            for (var s : batch.slots) {
                if (s != null) {
                    s.group().future.completeExceptionally(e);
                }
            }
            batch.close();
        }
        batches.clear();
        occupied.set(0);
        pending.values().forEach(q -> {
            q.forEach(s -> s.group().future.completeExceptionally(e));
            unslotted.addAndGet(-q.size());
        });
        pending.clear();
    }

    /** KV-cache slots holding a sequence now, over every model's batch. */
    public int slotsInUse() {
        return occupied.get();
    }

    /** Slots of one model's batch: how many sequences of a model one step can carry. */
    public int maxBatch() {
        return maxBatch;
    }

    /** Bytes generated since start. */
    public long tokensGenerated() {
        return tokens.get();
    }

    /** Mean sequences per batched step since start: how well requests share passes. */
    public double meanBatch() {
        long n = steps.get();
        return n == 0 ? 0 : stepSequences.get() / (double) n;
    }

    /** Batched decoding steps since start. */
    public long steps() {
        return steps.get();
    }

    /** Sequences summed over those steps. */
    public long sequenceSteps() {
        return stepSequences.get();
    }

    /** Time spent in batched steps and in prompt prefills, in milliseconds, and the prefill count. */
    public Map<String, Long> busy() {
        return Map.of(
                "stepMillis",
                stepNanos.get() / 1_000_000,
                "prefillMillis",
                prefillNanos.get() / 1_000_000,
                "prefills",
                prefills.get());
    }

    /** Stops the loop and frees the batches' KV caches and their hold on the networks. */
    @Override
    public synchronized void close() {
        stop();
        var thread = loop;
        if (thread != null && thread.isAlive()) {
            // still inside a forward pass: freeing the tensors it is using from this thread is not safe
            log.warn("generation loop did not stop within 5 s; leaving its batches to the process's exit");
            return;
        }
        batches.values().forEach(ModelBatch::close);
        batches.clear();
        occupied.set(0);
    }
}
