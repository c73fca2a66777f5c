package io.shardflow.core.models;

import static io.shardflow.core.InvalidSpecException.require;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A byte-level causal transformer (GPT): the 256 byte values are the vocabulary; learned token and position
 * embeddings; {@code layers} pre-LayerNorm blocks of causal multi-head self-attention and a 4×-wide GELU MLP;
 * a final LayerNorm; an output head of its own (logits = h · head.weightᵀ). The head is not tied to the token
 * embedding: tied, a small model trained with Adam at 3e-3 sat at the text's unigram entropy for hundreds of
 * steps (the head's frequency signal pulls every input embedding the same way); untied, it learns at once.
 *
 * <p>Linear weights are {@code [outputs][inputs]} like torch.nn.Linear. {@code attention.qkv} projects to the
 * queries, keys and values in that order, each split into {@code heads} contiguous heads of {@code dModel/heads}.
 */
public record GptArchitecture(int layers, int heads, int dModel, int context) implements ModelArchitecture {
    public static final int VOCABULARY = 256;
    public static final int MAX_LAYERS = 96;
    public static final int MAX_D_MODEL = 8192;
    public static final int MAX_CONTEXT = 8192;

    public GptArchitecture {
        require(layers >= 1 && layers <= MAX_LAYERS, "layers", "must be in 1.." + MAX_LAYERS + ", was " + layers);
        require(dModel >= 1 && dModel <= MAX_D_MODEL, "dModel", "must be in 1.." + MAX_D_MODEL + ", was " + dModel);
        require(heads >= 1 && heads <= dModel, "heads", "must be in 1..dModel, was " + heads);
        require(dModel % heads == 0, "heads", "must divide dModel (" + dModel + "), was " + heads);
        require(context >= 2 && context <= MAX_CONTEXT, "context", "must be in 2.." + MAX_CONTEXT + ", was " + context);
    }

    public int headSize() {
        return dModel / heads;
    }

    /** The prefix of block {@code i}'s parameters. */
    public static String block(int i) {
        return "blocks." + i + ".";
    }

    @Override
    public Map<String, int[]> parameterShapes() {
        var shapes = new LinkedHashMap<String, int[]>();
        shapes.put("tokens.weight", new int[] {VOCABULARY, dModel});
        shapes.put("positions.weight", new int[] {context, dModel});
        for (int i = 0; i < layers; i++) {
            String b = block(i);
            shapes.put(b + "ln1.weight", new int[] {dModel});
            shapes.put(b + "ln1.bias", new int[] {dModel});
            shapes.put(b + "attention.qkv.weight", new int[] {3 * dModel, dModel});
            shapes.put(b + "attention.qkv.bias", new int[] {3 * dModel});
            shapes.put(b + "attention.out.weight", new int[] {dModel, dModel});
            shapes.put(b + "attention.out.bias", new int[] {dModel});
            shapes.put(b + "ln2.weight", new int[] {dModel});
            shapes.put(b + "ln2.bias", new int[] {dModel});
            shapes.put(b + "mlp.fc.weight", new int[] {4 * dModel, dModel});
            shapes.put(b + "mlp.fc.bias", new int[] {4 * dModel});
            shapes.put(b + "mlp.proj.weight", new int[] {dModel, 4 * dModel});
            shapes.put(b + "mlp.proj.bias", new int[] {dModel});
        }
        shapes.put("final.ln.weight", new int[] {dModel});
        shapes.put("final.ln.bias", new int[] {dModel});
        shapes.put("head.weight", new int[] {VOCABULARY, dModel});
        return shapes;
    }
}
