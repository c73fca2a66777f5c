package io.shardflow.worker.generation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** The engine's thread exists only between start and stop, so a context that never starts it leaks none. */
class GenerationEngineLifecycleTest {

    private static boolean loopAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().equals("shardflow-generation") && t.isAlive());
    }

    @Test
    void theLoopRunsFromStartToStop() {
        var engine = new GenerationEngine(null, 4, 16, jobs -> Set.of());
        assertThat(engine.isRunning()).isFalse();
        assertThat(loopAlive()).isFalse();

        engine.start();
        assertThat(engine.isRunning()).isTrue();
        assertThat(loopAlive()).isTrue();

        engine.stop();
        assertThat(engine.isRunning()).isFalse();
        assertThat(loopAlive()).isFalse();

        engine.start();
        assertThat(loopAlive()).isTrue();
        engine.close();
        assertThat(loopAlive()).isFalse();
    }

    @Test
    void closingAnEngineThatNeverStartedIsHarmless() {
        var engine = new GenerationEngine(null, 4, 16, jobs -> Set.of());
        engine.close();
        assertThat(engine.isRunning()).isFalse();
    }
}
