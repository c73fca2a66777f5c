package io.shardflow.core.generation;

import io.shardflow.core.messaging.MessageCodec;
import java.util.ArrayList;
import java.util.List;

/**
 * A generation job's completions in prompt order: what a shard returns for its prompts, and, concatenated in
 * shard order, the job's result {@code {"rows":N,"outputs":[...]}}.
 */
public record GenerationResult(int rows, List<String> outputs) {

    public static GenerationResult of(List<String> outputs) {
        return new GenerationResult(outputs.size(), List.copyOf(outputs));
    }

    public byte[] encode() {
        return MessageCodec.encode(this);
    }

    public static GenerationResult decode(byte[] bytes) {
        return MessageCodec.decode(bytes, GenerationResult.class);
    }

    public static GenerationResult concat(List<GenerationResult> parts) {
        var all = new ArrayList<String>();
        parts.forEach(p -> all.addAll(p.outputs()));
        return of(all);
    }
}
