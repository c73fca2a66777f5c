package io.shardflow.core.generation;

import static io.shardflow.core.InvalidSpecException.require;
import static io.shardflow.core.InvalidSpecException.requireGiven;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * How a gpt completes prompts: at most {@code maxTokens} bytes each; {@code temperature} 0 is greedy (argmax),
 * above 0 samples from the softmax of logits/temperature, restricted to the {@code topK} most likely bytes when
 * given; {@code seed} makes sampling repeatable; a completion ends before the first {@code stop} string it produces.
 */
public record GenerationSpec(
        Integer maxTokens, Double temperature, @Nullable Integer topK, Long seed, List<String> stop) {
    public static final int MAX_STOPS = 8;

    /**
     * Every setting but {@code maxTokens} may be left out (null), as a request body may: temperature 1, no top-k
     * restriction, seed 0, no stop strings.
     */
    public GenerationSpec(
            @Nullable Integer maxTokens,
            @Nullable Double temperature,
            @Nullable Integer topK,
            @Nullable Long seed,
            @Nullable List<String> stop) {
        requireGiven(maxTokens, "maxTokens");
        require(maxTokens >= 1, "maxTokens", "must be >= 1, was " + maxTokens);
        double t = temperature == null ? 1.0 : temperature;
        require(Double.isFinite(t) && t >= 0 && t <= 100, "temperature", "must be in [0, 100] (0: greedy), was " + t);
        require(topK == null || (topK >= 1 && topK <= 256), "topK", "must be in 1..256, was " + topK);
        List<String> stops = stop == null ? List.of() : stop;
        require(stops.size() <= MAX_STOPS, "stop", "takes at most " + MAX_STOPS + " strings, got " + stops.size());
        for (int i = 0; i < stops.size(); i++) {
            require(stops.get(i) != null && !stops.get(i).isEmpty(), "stop[" + i + "]", "may not be empty");
        }
        this.maxTokens = maxTokens;
        this.temperature = t;
        this.topK = topK;
        this.seed = seed == null ? 0L : seed;
        this.stop = List.copyOf(stops);
    }

    public boolean greedy() {
        return temperature == 0;
    }
}
