package io.shardflow.standalone;

import io.shardflow.core.generation.Completion;
import io.shardflow.core.generation.GenerationSpec;
import io.shardflow.core.generation.TokenSampler;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.worker.compute.ComputeEngine;
import io.shardflow.worker.compute.GptNetwork;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Generation the plain way, to hold the platform to: one prompt at a time, no KV cache, the whole sequence
 * recomputed for every token, in this process. What the platform returns (batched, cached, sharded, pipelined)
 * must be the same text.
 */
final class ReferenceGeneration {
    private ReferenceGeneration() {}

    static List<String> generate(
            ShardflowStandalone platform, String modelId, List<String> prompts, GenerationSpec spec) {
        var models = platform.context().getBean(ModelRepository.class);
        var engine = platform.context().getBean(ComputeEngine.class);
        var model = models.find(UUID.fromString(modelId)).orElseThrow();
        var architecture = (GptArchitecture) model.architecture();
        var outputs = new ArrayList<String>();
        try (var network = new GptNetwork(engine.engine(), engine.device(), architecture, models.loadNamed(model))) {
            for (int i = 0; i < prompts.size(); i++) {
                byte[] prompt = prompts.get(i).getBytes(StandardCharsets.UTF_8);
                var completion = new Completion(prompt, spec, architecture.context());
                while (!completion.finished()) {
                    byte[] sequence = completion.sequence();
                    int[] tokens = new int[sequence.length];
                    for (int t = 0; t < tokens.length; t++) {
                        tokens[t] = sequence[t] & 0xFF;
                    }
                    float[] hidden = network.embed(new int[][] {tokens}, tokens.length);
                    hidden = network.blocks(0, architecture.layers(), hidden, 1, tokens.length);
                    float[] logits = network.head(hidden, 1, tokens.length, new int[] {tokens.length - 1})[0];
                    completion.add(TokenSampler.next(logits, spec, i, completion.tokens()));
                }
                outputs.add(completion.text());
            }
        }
        return outputs;
    }
}
