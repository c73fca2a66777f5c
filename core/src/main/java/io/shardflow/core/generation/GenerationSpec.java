package io.shardflow.core.generation;

import static io.shardflow.core.InvalidSpecException.require;

import java.util.List;

/**
 * How a gpt completes prompts: at most {@code maxTokens} bytes each; {@code temperature} 0 is greedy (argmax),
 * above 0 samples from the softmax of logits/temperature, restricted to the {@code topK} most likely bytes when
 * given; {@code seed} makes sampling repeatable; a completion ends before the first {@code stop} string it produces.
 */
public record GenerationSpec(Integer maxTokens, Double temperature, Integer topK, Long seed, List<String> stop) {
    public static final int MAX_STOPS = 8;

    public GenerationSpec {
        require(maxTokens != null, "maxTokens", "is required");
        require(maxTokens >= 1, "maxTokens", "must be >= 1, was " + maxTokens);
        temperature = temperature == null ? 1.0 : temperature;
        require(
                Double.isFinite(temperature) && temperature >= 0 && temperature <= 100,
                "temperature",
                "must be in [0, 100] (0: greedy), was " + temperature);
        require(topK == null || (topK >= 1 && topK <= 256), "topK", "must be in 1..256, was " + topK);
        seed = seed == null ? 0L : seed;
        stop = stop == null ? List.of() : stop;
        require(stop.size() <= MAX_STOPS, "stop", "takes at most " + MAX_STOPS + " strings, got " + stop.size());
        for (int i = 0; i < stop.size(); i++) {
            require(stop.get(i) != null && !stop.get(i).isEmpty(), "stop[" + i + "]", "may not be empty");
        }
        stop = List.copyOf(stop);
    }

    public boolean greedy() {
        return temperature == 0;
    }
}
