package io.shardflow.core.generation;

import io.shardflow.core.tensors.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What flows between the stages of a pipelined gpt for one token step, as tensor bundles. The first stage reads
 * {@code tokens} {@code [B, L]} (right-padded byte values), {@code lengths} and {@code prompts} (the prompt index
 * of each row); a middle stage reads and writes {@code hidden} {@code [B, L·dModel]}; the last writes
 * {@code logits} {@code [B, 256]} at each sequence's last position.
 *
 * <p>Where they are kept ({@code job_activations}, keyed by token step and stage): the scheduler writes token step
 * t's state, whose sequences are stage 0's input, at {@code (t, STATE_STAGE)}; stage s's output, stage s + 1's
 * input, is at {@code (t, s)}; the job's prompts are at {@code (PROMPTS_STEP, STATE_STAGE)}.
 */
public final class StageTensors {
    /** The stage key of a token step's state: its sequences, stage 0's input. */
    public static final int STATE_STAGE = -1;
    /** The step key of the job's prompts, apart from every token step. */
    public static final int PROMPTS_STEP = -1;

    public static final String TOKENS = "tokens";
    public static final String HIDDEN = "hidden";
    public static final String LOGITS = "logits";
    public static final String LENGTHS = "lengths";
    public static final String PROMPTS = "prompts";

    private StageTensors() {}

    public static Map<String, Tensor> tokens(List<byte[]> sequences, int[] prompts) {
        int length = sequences.stream().mapToInt(s -> s.length).max().orElse(0);
        var tokens = new float[sequences.size() * length];
        var lengths = new float[sequences.size()];
        for (int b = 0; b < sequences.size(); b++) {
            byte[] sequence = sequences.get(b);
            for (int i = 0; i < sequence.length; i++) {
                tokens[b * length + i] = sequence[i] & 0xFF;
            }
            lengths[b] = sequence.length;
        }
        var bundle = new LinkedHashMap<String, Tensor>();
        bundle.put(TOKENS, Tensor.matrix(sequences.size(), length, tokens));
        bundle.put(LENGTHS, Tensor.vector(lengths));
        bundle.put(PROMPTS, Tensor.vector(toFloats(prompts)));
        return bundle;
    }

    /** The same rows with a new payload ({@code hidden} or {@code logits}) in place of the previous one. */
    public static Map<String, Tensor> carry(Map<String, Tensor> input, String name, Tensor payload) {
        var bundle = new LinkedHashMap<String, Tensor>();
        bundle.put(name, payload);
        bundle.put(LENGTHS, input.get(LENGTHS));
        bundle.put(PROMPTS, input.get(PROMPTS));
        return bundle;
    }

    public static int[] ints(Tensor vector) {
        var out = new int[vector.data().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) vector.data()[i];
        }
        return out;
    }

    private static float[] toFloats(int[] values) {
        var out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
