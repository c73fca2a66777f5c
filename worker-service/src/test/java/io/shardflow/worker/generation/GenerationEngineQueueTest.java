package io.shardflow.worker.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.shardflow.core.generation.GenerationSpec;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.db.models.ModelRow;
import io.shardflow.worker.lanes.QueueFullException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The engine's queue is bounded and never makes its caller (a lane's Kafka consumer thread) wait: a task that does not
 * fit is refused at once, whole, with a reason that names the bound.
 */
class GenerationEngineQueueTest {
    private static final GenerationSpec SPEC = new GenerationSpec(4, 0.0, null, null, null);

    /** An engine whose loop never runs: what is queued stays queued. */
    private final GenerationEngine engine = new GenerationEngine(null, 4, 5, jobs -> Set.of());

    private static ModelRow gpt() {
        return new ModelRow(
                UUID.randomUUID(),
                "tenant",
                "queue-test",
                new GptArchitecture(1, 1, 8, 16),
                0,
                null,
                null,
                null,
                null,
                Instant.now());
    }

    @Test
    void aFullQueueRefusesATaskAtOnceWithoutBlocking() {
        var model = gpt();
        engine.submit(UUID.randomUUID(), model, SPEC, List.of("a", "b", "c"), 0);
        engine.submit(UUID.randomUUID(), model, SPEC, List.of("d", "e"), 0);
        assertThat(engine.waitingSequences()).isEqualTo(5);

        // the old engine blocked here until the loop made room, which in this test is never
        assertTimeoutPreemptively(
                Duration.ofSeconds(10),
                () -> assertThatThrownBy(() -> engine.submit(UUID.randomUUID(), model, SPEC, List.of("f"), 0))
                        .isInstanceOf(QueueFullException.class)
                        .hasMessageContaining("5 sequences wait")
                        .hasMessageContaining("shardflow.worker.generation.max-waiting"));
        assertThat(engine.waitingSequences())
                .as("a refused task queues none of its prompts")
                .isEqualTo(5);
    }

    @Test
    void aTaskIsTakenWholeOrNotAtAll() {
        var model = gpt();
        engine.submit(UUID.randomUUID(), model, SPEC, List.of("a", "b", "c"), 0);

        assertThatThrownBy(() -> engine.submit(UUID.randomUUID(), model, SPEC, List.of("d", "e", "f"), 0))
                .isInstanceOf(QueueFullException.class);
        engine.submit(UUID.randomUUID(), model, SPEC, List.of("d", "e"), 0);
        assertThat(engine.waitingSequences()).isEqualTo(5);
    }

    @Test
    void aTaskLargerThanTheBoundIsTakenAloneWhenNothingWaits() {
        var model = gpt();
        engine.submit(UUID.randomUUID(), model, SPEC, List.of("a", "b", "c", "d", "e", "f", "g"), 0);
        assertThat(engine.waitingSequences()).isEqualTo(7);

        assertThatThrownBy(() -> engine.submit(UUID.randomUUID(), model, SPEC, List.of("h"), 0))
                .isInstanceOf(QueueFullException.class);
    }
}
