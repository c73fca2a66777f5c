package io.shardflow.core.training;

import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.planning.ModelSplit;
import io.shardflow.core.planning.Strategy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * How one step of model-parallel training runs, as rounds of parts: each part of a round runs on its own lane on the
 * round's input (the dataset's rows, or the merge of the round before) and the parts' outputs are merged (summed,
 * concatenated, or passed on) into the next round's input. The last round is always one part, which also computes
 * the loss; the backward then runs the rounds in reverse, each part recomputing its forward from its stored input,
 * and the gradients of a round's input are summed over its parts (the backward of both merges). Parameters are
 * kept as {@link Piece}s in update groups, one per model shard; each group's update applies the optimiser to its own
 * pieces with their own optimiser state, so no lane ever holds the whole model.
 *
 * <ul>
 *   <li>Dense TENSOR: the Megatron pairs of {@link ModelSplit#tensor}, part {@code j} of every round in group
 *   {@code j}, then a round that computes the loss on the merged output.</li>
 *   <li>Dense PIPELINE: the stages of {@link ModelSplit#pipeline}, stage {@code s} in group {@code s}; the last stage
 *   computes the loss.</li>
 * </ul>
 */
public record TrainingProgram(List<Round> rounds, int groups) {

    public TrainingProgram {
        rounds = List.copyOf(rounds);
        if (rounds.isEmpty() || rounds.getLast().parts().size() != 1) {
            throw new IllegalArgumentException("a training program ends with a round of one part");
        }
    }

    /** One round: its parts, and how their outputs merge into the next round's input. */
    public record Round(List<Part> parts, ModelSplit.Merge merge) {
        public Round {
            parts = List.copyOf(parts);
        }
    }

    /** One part of a round: the group it belongs to, what it computes, and the pieces it reads. */
    public record Part(int group, PartOp op, List<Piece> pieces) {
        public Part {
            pieces = List.copyOf(pieces);
        }

        public long bytes() {
            return pieces.stream().mapToLong(Piece::bytes).sum();
        }
    }

    public static TrainingProgram of(ModelArchitecture architecture, Strategy strategy, int modelShards) {
        return switch (architecture) {
            case DenseArchitecture dense ->
                switch (strategy) {
                    case TENSOR -> denseTensor(dense, modelShards);
                    case PIPELINE -> densePipeline(dense, modelShards);
                    default ->
                        throw new IllegalArgumentException("a model is split by TENSOR or PIPELINE, not " + strategy);
                };
            case GptArchitecture gpt ->
                throw new IllegalArgumentException("a gpt model does not train split by " + strategy + " yet");
        };
    }

    private static TrainingProgram denseTensor(DenseArchitecture architecture, int shards) {
        var rounds = new ArrayList<Round>();
        for (var round : ModelSplit.tensor(architecture, shards).rounds()) {
            var parts = new ArrayList<Part>();
            for (int j = 0; j < round.partitions().size(); j++) {
                parts.add(densePart(round.partitions().get(j), round.activateInput(), j));
            }
            rounds.add(new Round(parts, round.merge()));
        }
        rounds.add(new Round(List.of(new Part(0, new PartOp.DenseLoss(), List.of())), ModelSplit.Merge.PASS));
        return new TrainingProgram(rounds, shards);
    }

    private static TrainingProgram densePipeline(DenseArchitecture architecture, int stages) {
        var rounds = new ArrayList<Round>();
        var split = ModelSplit.pipeline(architecture, stages).rounds();
        for (int s = 0; s < split.size(); s++) {
            var round = split.get(s);
            rounds.add(new Round(
                    List.of(densePart(round.partitions().getFirst(), round.activateInput(), s)),
                    ModelSplit.Merge.PASS));
        }
        return new TrainingProgram(rounds, stages);
    }

    private static Part densePart(ModelSplit.Partition partition, boolean activateInput, int group) {
        var pieces = new ArrayList<Piece>();
        for (var slice : partition.slices()) {
            pieces.add(new Piece(
                    "layers." + slice.layer() + ".weight",
                    slice.rowStart(),
                    slice.rowEnd(),
                    slice.colStart(),
                    slice.colEnd(),
                    false,
                    group));
            if (slice.bias()) {
                pieces.add(Piece.vector("layers." + slice.layer() + ".bias", slice.rowStart(), slice.rowEnd(), group));
            }
        }
        return new Part(group, new PartOp.Dense(partition.slices(), activateInput), pieces);
    }

    /** The width of round {@code round}'s merged output (not the last round's: that one computes the loss). */
    public int outputs(int round) {
        var r = rounds.get(round);
        int first = outputs(r.parts().getFirst());
        return r.merge() == ModelSplit.Merge.CONCAT
                ? r.parts().stream().mapToInt(TrainingProgram::outputs).sum()
                : first;
    }

    /** Where part {@code part}'s outputs start among its round's concatenated ones. */
    public int outputOffset(int round, int part) {
        int offset = 0;
        for (int j = 0; j < part; j++) {
            offset += outputs(rounds.get(round).parts().get(j));
        }
        return offset;
    }

    private static int outputs(Part part) {
        return switch (part.op()) {
            case PartOp.Dense d -> d.slices().getLast().outputs();
            case PartOp.DenseLoss l -> throw new IllegalArgumentException("the loss is not merged into a next round");
        };
    }

    public int lastRound() {
        return rounds.size() - 1;
    }

    /** The pieces group {@code group} keeps and updates, each once, in the order the rounds first read them. */
    public List<Piece> pieces(int group) {
        var pieces = new LinkedHashMap<String, Piece>();
        for (var round : rounds) {
            for (var part : round.parts()) {
                for (var piece : part.pieces()) {
                    if (piece.group() == group) {
                        pieces.putIfAbsent(piece.id(), piece);
                    }
                }
            }
        }
        return List.copyOf(pieces.values());
    }

    /** Every piece of the model, each once: together they cover every parameter exactly. */
    public List<Piece> pieces() {
        var all = new ArrayList<Piece>();
        for (int g = 0; g < groups; g++) {
            all.addAll(pieces(g));
        }
        return all;
    }

    /** The parameter bytes group {@code group} keeps. */
    public long groupBytes(int group) {
        return pieces(group).stream().mapToLong(Piece::bytes).sum();
    }
}
