package io.shardflow.core.training;

import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.models.ModelParameters;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Seeded initial parameters drawn one tile at a time, so that a model of any size is generated in the memory of a
 * tile: the same schemes as {@link ParameterInit} (Xavier-uniform dense weights; GPT-2's normal(0, 0.02) with scaled
 * residual projections, LayerNorm gains 1; biases 0), but each tile has a generator of its own, seeded from the
 * model's seed, the parameter and the tile's origin. The values therefore differ from {@link ParameterInit}'s for
 * the same seed, and depend on where tiles start, not on the order they are drawn in.
 */
public final class TiledInit {
    private static final double GPT_STD = 0.02;

    private TiledInit() {}

    /** Produces rows {@code [r0, r0+rows)} and columns {@code [c0, c0+cols)} of one parameter, row-major. */
    @FunctionalInterface
    public interface Tiles {
        float[] values(int r0, int c0, int rows, int cols);
    }

    /** A tile source for every parameter of {@code architecture}, in {@link ModelArchitecture#parameterShapes()} order. */
    public static Map<String, Tiles> of(ModelArchitecture architecture, long seed) {
        var sources = new LinkedHashMap<String, Tiles>();
        switch (architecture) {
            case DenseArchitecture dense -> {
                var widths = dense.widths();
                for (int l = 0; l + 1 < widths.size(); l++) {
                    sources.put(ModelParameters.weightOf(l), xavier(seed, l, widths.get(l), widths.get(l + 1)));
                    sources.put(ModelParameters.biasOf(l), filled(0f));
                }
            }
            case GptArchitecture gpt -> {
                int index = 0;
                for (var entry : gpt.parameterShapes().entrySet()) {
                    sources.put(entry.getKey(), gpt(gpt, seed, index++, entry.getKey(), entry.getValue()));
                }
            }
        }
        return sources;
    }

    /** Seeded Xavier-uniform values for dense layer {@code layer}'s weight. */
    static Tiles xavier(long seed, int layer, int fanIn, int fanOut) {
        double bound = Math.sqrt(6.0 / (fanIn + fanOut));
        return (r0, c0, tr, tc) -> {
            var random = new Random(seed * 1_000_003L + layer * 7_919L + (long) r0 * 131 + c0);
            var tile = new float[tr * tc];
            for (int i = 0; i < tile.length; i++) {
                tile[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
            }
            return tile;
        };
    }

    private static Tiles gpt(GptArchitecture architecture, long seed, int index, String name, int[] shape) {
        if (name.endsWith("ln1.weight") || name.endsWith("ln2.weight") || name.endsWith("ln.weight")) {
            return filled(1f);
        }
        if (shape.length != 2) {
            return filled(0f);
        }
        double std = name.endsWith("attention.out.weight") || name.endsWith("mlp.proj.weight")
                ? GPT_STD / Math.sqrt(2.0 * architecture.layers())
                : GPT_STD;
        return (r0, c0, tr, tc) -> {
            var random = new SplittableRandom(mix(seed, index, r0, c0));
            var tile = new float[tr * tc];
            for (int i = 0; i < tile.length; i++) {
                tile[i] = (float) (random.nextGaussian() * std);
            }
            return tile;
        };
    }

    private static Tiles filled(float value) {
        return (r0, c0, tr, tc) -> {
            var tile = new float[tr * tc];
            if (value != 0f) {
                Arrays.fill(tile, value);
            }
            return tile;
        };
    }

    /** One seed per tile: each part goes through a multiply-add with an odd constant, so neighbouring tiles get unrelated seeds. */
    private static long mix(long seed, int index, int r0, int c0) {
        long h = seed;
        h = h * 0x9E3779B97F4A7C15L + index;
        h = h * 0x9E3779B97F4A7C15L + r0;
        h = h * 0x9E3779B97F4A7C15L + c0;
        return h;
    }
}
