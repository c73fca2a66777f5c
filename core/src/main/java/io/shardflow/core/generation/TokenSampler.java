package io.shardflow.core.generation;

import java.util.Arrays;

/**
 * Picks the next byte from a gpt's logits. Greedy takes the argmax (the lowest byte on a tie). Sampling draws from
 * softmax(logits / temperature), cut to the top-k bytes when set, with a uniform number that is a pure function of
 * (seed, prompt index, token index): the same job gives the same text whether its prompts ran alone, batched,
 * on other shards or through pipeline stages.
 */
public final class TokenSampler {
    private TokenSampler() {}

    public static int next(float[] logits, GenerationSpec spec, long promptIndex, int tokenIndex) {
        if (spec.greedy()) {
            return argmax(logits);
        }
        int n = logits.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        int k = spec.topK() == null ? n : Math.min(spec.topK(), n);
        if (k < n) {
            Arrays.sort(
                    order,
                    (a, b) -> logits[a] != logits[b] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
            Arrays.sort(order, 0, k);
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < k; i++) {
            max = Math.max(max, logits[order[i]] / spec.temperature());
        }
        var weights = new double[k];
        double sum = 0;
        for (int i = 0; i < k; i++) {
            weights[i] = Math.exp(logits[order[i]] / spec.temperature() - max);
            sum += weights[i];
        }
        double u = uniform(spec.seed(), promptIndex, tokenIndex) * sum;
        for (int i = 0; i < k; i++) {
            u -= weights[i];
            if (u < 0) {
                return order[i];
            }
        }
        return order[k - 1];
    }

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    /** A uniform number in [0, 1) from SplitMix64 over the three keys. */
    static double uniform(long seed, long promptIndex, int tokenIndex) {
        long z = mix(mix(seed ^ 0x5DEECE66DL) + promptIndex * 0x9E3779B97F4A7C15L) + tokenIndex * 0xC2B2AE3D27D4EB4FL;
        return (mix(z) >>> 11) * 0x1.0p-53;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
