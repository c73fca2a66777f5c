package io.shardflow.core.planning;

import io.shardflow.core.Lookup;
import io.shardflow.core.models.GptArchitecture;
import java.util.ArrayList;
import java.util.List;

/**
 * A gpt cut into pipeline stages of contiguous blocks, as even as the block count allows. The first stage also
 * holds the embeddings, the last the final LayerNorm and the head.
 */
public final class GptStages {
    private GptStages() {}

    /** Blocks {@code [fromBlock, toBlock)}; {@code first} embeds the tokens, {@code last} makes the logits. */
    public record Stage(int fromBlock, int toBlock, boolean first, boolean last) {

        /** The parameters this stage needs, in the architecture's order. */
        public List<String> parameterNames(GptArchitecture architecture) {
            var names = new ArrayList<String>();
            for (String name : architecture.parameterShapes().keySet()) {
                if (needs(name)) {
                    names.add(name);
                }
            }
            return names;
        }

        private boolean needs(String name) {
            if (name.startsWith("blocks.")) {
                int block = Integer.parseInt(name.substring(7, name.indexOf('.', 7)));
                return block >= fromBlock && block < toBlock;
            }
            return switch (name) {
                case "tokens.weight", "positions.weight" -> first;
                default -> last;
            };
        }

        public long bytes(GptArchitecture architecture) {
            long count = 0;
            var shapes = architecture.parameterShapes();
            for (String name : parameterNames(architecture)) {
                long n = 1;
                for (int d : Lookup.required(shapes, name)) {
                    n *= d;
                }
                count += n;
            }
            return count * Float.BYTES;
        }
    }

    public static List<Stage> split(GptArchitecture architecture, int stages) {
        if (stages < 1 || stages > architecture.layers()) {
            throw new IllegalArgumentException("a gpt of " + architecture.layers() + " layers makes 1 to "
                    + architecture.layers() + " pipeline stages, not " + stages);
        }
        var ranges = DataPlanner.split(architecture.layers(), stages);
        var result = new ArrayList<Stage>();
        for (int s = 0; s < ranges.size(); s++) {
            result.add(
                    new Stage((int) ranges.get(s).start(), (int) ranges.get(s).end(), s == 0, s == ranges.size() - 1));
        }
        return List.copyOf(result);
    }

    public static long largestStageBytes(GptArchitecture architecture, int stages) {
        return split(architecture, stages).stream()
                .mapToLong(s -> s.bytes(architecture))
                .max()
                .orElse(0);
    }
}
