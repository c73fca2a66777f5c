package io.shardflow.core.planning;

import io.shardflow.core.models.DenseArchitecture;
import java.util.ArrayList;
import java.util.List;

/**
 * How a model is cut into model shards, as rounds. Each round runs one partition per model shard on the round's
 * input and merges the shards' outputs into the next round's input. A pure function of the architecture.
 *
 * <ul>
 *   <li>{@link #whole}: one round, one partition holding every layer (data parallelism).</li>
 *   <li>{@link #tensor}: Megatron pairs. Layer {@code 2p} is split by output rows (column-parallel), layer
 *   {@code 2p+1} by input columns with the same ranges (row-parallel); shards' outputs are summed once per pair
 *   and shard 0 adds the second layer's bias. An odd last layer is split by output rows and concatenated.</li>
 *   <li>{@link #pipeline}: contiguous stages of whole layers, balanced by parameter bytes; a stage's output feeds
 *   the next stage unchanged.</li>
 * </ul>
 * A round's input is the previous round's merged pre-activation output, so every round but the first applies the
 * hidden activation to its input first.
 */
public record ModelSplit(List<Round> rounds) {

    /** Rows {@code [rowStart, rowEnd)} and columns {@code [colStart, colEnd)} of layer {@code layer}'s weight. */
    public record Slice(int layer, int rowStart, int rowEnd, int colStart, int colEnd, boolean bias) {
        public long bytes() {
            long weights = (long) (rowEnd - rowStart) * (colEnd - colStart);
            return (weights + (bias ? rowEnd - rowStart : 0)) * Float.BYTES;
        }

        public int outputs() {
            return rowEnd - rowStart;
        }
    }

    /** The layers one model shard holds in one round, applied in order with the activation between them. */
    public record Partition(List<Slice> slices) {
        public long bytes() {
            return slices.stream().mapToLong(Slice::bytes).sum();
        }

        public int outputs() {
            return slices.getLast().outputs();
        }
    }

    public enum Merge {
        /** Element-wise sum of the shards' outputs. */
        SUM,
        /** The shards' outputs side by side, in shard order. */
        CONCAT,
        /** A single shard: its output as it is. */
        PASS
    }

    public record Round(List<Partition> partitions, Merge merge, boolean activateInput) {
        public int shards() {
            return partitions.size();
        }
    }

    public int modelShards() {
        return rounds.stream().mapToInt(Round::shards).max().orElse(1);
    }

    /** The largest partition any shard holds: what one worker must be able to load. */
    public long largestPartitionBytes() {
        return rounds.stream()
                .flatMap(r -> r.partitions().stream())
                .mapToLong(Partition::bytes)
                .max()
                .orElse(0);
    }

    public static ModelSplit whole(DenseArchitecture architecture) {
        var w = architecture.widths();
        var slices = new ArrayList<Slice>();
        for (int l = 0; l + 1 < w.size(); l++) {
            slices.add(new Slice(l, 0, w.get(l + 1), 0, w.get(l), true));
        }
        return new ModelSplit(List.of(new Round(List.of(new Partition(slices)), Merge.PASS, false)));
    }

    public static ModelSplit tensor(DenseArchitecture architecture, int shards) {
        var rounds = new ArrayList<>(tensorPairs(architecture, shards));
        var w = architecture.widths();
        int layers = w.size() - 1;
        if (layers % 2 == 1) {
            rounds.add(rowSplit(w, layers - 1, shards));
        }
        return new ModelSplit(rounds);
    }

    /** The Megatron pairs of {@link #tensor}, without an odd last layer: one SUM round per pair. */
    public static List<Round> tensorPairs(DenseArchitecture architecture, int shards) {
        var w = architecture.widths();
        int layers = w.size() - 1;
        var rounds = new ArrayList<Round>();
        for (int l = 0; l + 1 < layers; l += 2) {
            var ranges = ranges(w, l, shards);
            var partitions = new ArrayList<Partition>();
            for (int j = 0; j < ranges.size(); j++) {
                int from = (int) ranges.get(j).start();
                int to = (int) ranges.get(j).end();
                partitions.add(new Partition(List.of(
                        new Slice(l, from, to, 0, w.get(l), true),
                        new Slice(l + 1, 0, w.get(l + 2), from, to, j == 0))));
            }
            rounds.add(new Round(partitions, Merge.SUM, l > 0));
        }
        return rounds;
    }

    /** Layer {@code l} split by its output rows, the shards' outputs concatenated. */
    private static Round rowSplit(List<Integer> w, int l, int shards) {
        var ranges = ranges(w, l, shards);
        var partitions = new ArrayList<Partition>();
        for (var range : ranges) {
            partitions.add(
                    new Partition(List.of(new Slice(l, (int) range.start(), (int) range.end(), 0, w.get(l), true))));
        }
        return new Round(partitions, Merge.CONCAT, l > 0);
    }

    private static List<RowRange> ranges(List<Integer> w, int l, int shards) {
        int width = w.get(l + 1);
        if (shards > width) {
            throw new IllegalArgumentException(
                    "layer " + l + " has " + width + " outputs, fewer than " + shards + " model shards");
        }
        return DataPlanner.split(width, shards);
    }

    public static ModelSplit pipeline(DenseArchitecture architecture, int stages) {
        var w = architecture.widths();
        int layers = w.size() - 1;
        if (stages > layers) {
            throw new IllegalArgumentException(
                    "a model of " + layers + " layers makes at most " + layers + " stages, not " + stages);
        }
        var bytes = new long[layers];
        long total = 0;
        for (int l = 0; l < layers; l++) {
            bytes[l] = ((long) w.get(l) * w.get(l + 1) + w.get(l + 1)) * Float.BYTES;
            total += bytes[l];
        }
        var rounds = new ArrayList<Round>();
        int layer = 0;
        long done = 0;
        for (int s = 0; s < stages; s++) {
            var slices = new ArrayList<Slice>();
            long target = (total - done) / (stages - s);
            long stageBytes = 0;
            // take at least one layer, leave at least one for every later stage, and stop near the fair share
            while (layer < layers - (stages - s - 1)
                    && (slices.isEmpty() || s == stages - 1 || stageBytes + bytes[layer] / 2 <= target)) {
                slices.add(new Slice(layer, 0, w.get(layer + 1), 0, w.get(layer), true));
                stageBytes += bytes[layer];
                layer++;
            }
            done += stageBytes;
            rounds.add(new Round(List.of(new Partition(slices)), Merge.PASS, s > 0));
        }
        return new ModelSplit(rounds);
    }
}
