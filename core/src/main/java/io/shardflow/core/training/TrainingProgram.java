package io.shardflow.core.training;

import io.shardflow.core.Lookup;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.models.ModelParameters;
import io.shardflow.core.planning.DataPlanner;
import io.shardflow.core.planning.GptStages;
import io.shardflow.core.planning.ModelSplit;
import io.shardflow.core.planning.Strategy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 *   <li>Dense TENSOR: the Megatron pairs of {@link ModelSplit#tensorPairs}, part {@code j} of every round in group
 *   {@code j}, then a round of one part that computes the loss (holding an odd last layer whole).</li>
 *   <li>Dense PIPELINE: the stages of {@link ModelSplit#pipeline}, stage {@code s} in group {@code s}; the last stage
 *   computes the loss.</li>
 *   <li>Gpt PIPELINE: the stages of {@link GptStages#split}, each in a group of its own.</li>
 *   <li>Gpt TENSOR: the embeddings, then per block its attention split by heads and its MLP by hidden units
 *   (Megatron), then the final LayerNorm, head and loss.</li>
 * </ul>
 */
public final class TrainingProgram {
    /** Programs of the splits planned and run lately: every notice and every task of a job asks for its program. */
    private static final Map<Key, TrainingProgram> RECENT =
            Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Key, TrainingProgram> eldest) {
                    return size() > 64;
                }
            });

    private record Key(ModelArchitecture architecture, Strategy strategy, int modelShards) {}

    private final List<Round> rounds;
    private final int groups;
    /** Each group's pieces, each once, in the order the rounds first read them. */
    private final List<List<Piece>> byGroup;
    /** Each parameter's pieces, the parameters in the order of the groups' pieces. */
    private final Map<String, List<Piece>> byParameter;

    private TrainingProgram(List<Round> rounds, int groups) {
        this.rounds = List.copyOf(rounds);
        this.groups = groups;
        if (rounds.isEmpty() || rounds.getLast().parts().size() != 1) {
            throw new IllegalArgumentException("a training program ends with a round of one part");
        }
        if (rounds.stream().anyMatch(r -> r.merge() == ModelSplit.Merge.CONCAT)) {
            throw new IllegalArgumentException("a training round's parts are summed or passed on");
        }
        var pieces = new ArrayList<LinkedHashMap<String, Piece>>();
        for (int g = 0; g < groups; g++) {
            pieces.add(new LinkedHashMap<>());
        }
        for (var round : rounds) {
            for (var part : round.parts()) {
                for (var piece : part.pieces()) {
                    pieces.get(piece.group()).putIfAbsent(piece.id(), piece);
                }
            }
        }
        this.byGroup = pieces.stream().map(m -> List.copyOf(m.values())).toList();
        var byParameter = new LinkedHashMap<String, List<Piece>>();
        for (var piece : pieces()) {
            byParameter
                    .computeIfAbsent(piece.parameter(), p -> new ArrayList<>())
                    .add(piece);
        }
        byParameter.replaceAll((parameter, cut) -> List.copyOf(cut));
        this.byParameter = Collections.unmodifiableMap(byParameter);
    }

    public List<Round> rounds() {
        return rounds;
    }

    public int groups() {
        return groups;
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
        var key = new Key(architecture, strategy, modelShards);
        var known = RECENT.get(key);
        if (known != null) {
            return known;
        }
        var program = build(architecture, strategy, modelShards);
        RECENT.put(key, program);
        return program;
    }

    private static TrainingProgram build(ModelArchitecture architecture, Strategy strategy, int modelShards) {
        return switch (architecture) {
            case DenseArchitecture dense ->
                switch (strategy) {
                    case TENSOR -> denseTensor(dense, modelShards);
                    case PIPELINE -> densePipeline(dense, modelShards);
                    default ->
                        throw new IllegalArgumentException("a model is split by TENSOR or PIPELINE, not " + strategy);
                };
            case GptArchitecture gpt ->
                switch (strategy) {
                    case TENSOR -> gptTensor(gpt, modelShards);
                    case PIPELINE -> gptPipeline(gpt, modelShards);
                    default ->
                        throw new IllegalArgumentException("a model is split by TENSOR or PIPELINE, not " + strategy);
                };
        };
    }

    /**
     * The Megatron pairs, each a round of summed parts; then the loss, computed by one part from the last pair's
     * merged output, or, for an odd last layer, by one part that holds that layer whole (it is at most one layer of
     * the model, and its outputs, a regression's one say, may be fewer than the shards).
     */
    private static TrainingProgram denseTensor(DenseArchitecture architecture, int shards) {
        var rounds = new ArrayList<Round>();
        var pairs = ModelSplit.tensorPairs(architecture, shards);
        for (var round : pairs) {
            var parts = new ArrayList<Part>();
            for (int j = 0; j < round.partitions().size(); j++) {
                parts.add(densePart(round.partitions().get(j), round.activateInput(), j));
            }
            rounds.add(new Round(parts, round.merge()));
        }
        var w = architecture.widths();
        int layers = w.size() - 1;
        var last = layers % 2 == 0
                ? new Part(0, new PartOp.DenseLoss(), List.of())
                : densePart(
                        new ModelSplit.Partition(List.of(
                                new ModelSplit.Slice(layers - 1, 0, w.get(layers), 0, w.get(layers - 1), true))),
                        layers > 1,
                        0);
        rounds.add(new Round(List.of(last), ModelSplit.Merge.PASS));
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

    /** Stages of whole blocks, the first with the embeddings, the last with the final LayerNorm and the head. */
    private static TrainingProgram gptPipeline(GptArchitecture architecture, int stages) {
        var rounds = new ArrayList<Round>();
        var split = GptStages.split(architecture, stages);
        int width = hidden(architecture);
        for (int s = 0; s < split.size(); s++) {
            var stage = split.get(s);
            var pieces = new ArrayList<Piece>();
            for (String name : stage.parameterNames(architecture)) {
                pieces.add(whole(architecture, name, s));
            }
            var op = new PartOp.GptStage(stage.fromBlock(), stage.toBlock(), stage.first(), stage.last(), width);
            rounds.add(new Round(List.of(new Part(s, op, pieces)), ModelSplit.Merge.PASS));
        }
        return new TrainingProgram(rounds, split.size());
    }

    /**
     * Megatron's layout: each block's attention split by heads and its MLP by hidden units, two summed rounds per
     * block; the LayerNorms, the embeddings, the head and the output biases are whole, kept by group 0 (the
     * LayerNorms are read by every part of their round, and their gradients summed over the parts); the embeddings
     * and the head run as rounds of one part before and after the blocks.
     */
    private static TrainingProgram gptTensor(GptArchitecture architecture, int shards) {
        if (shards > architecture.heads()) {
            throw new IllegalArgumentException("a gpt of " + architecture.heads() + " heads splits into at most "
                    + architecture.heads() + " tensor shards, not " + shards);
        }
        int d = architecture.dModel();
        int hs = architecture.headSize();
        int width = hidden(architecture);
        var rounds = new ArrayList<Round>();
        rounds.add(new Round(
                List.of(new Part(
                        0,
                        new PartOp.GptEmbed(width),
                        List.of(whole(architecture, "tokens.weight", 0), whole(architecture, "positions.weight", 0)))),
                ModelSplit.Merge.PASS));
        var heads = DataPlanner.split(architecture.heads(), shards);
        var hidden = DataPlanner.split(4L * d, shards);
        for (int block = 0; block < architecture.layers(); block++) {
            String b = GptArchitecture.block(block);
            var attention = new ArrayList<Part>();
            var mlp = new ArrayList<Part>();
            for (int j = 0; j < shards; j++) {
                int h0 = (int) heads.get(j).start();
                int h1 = (int) heads.get(j).end();
                var pieces = new ArrayList<Piece>();
                pieces.add(whole(architecture, b + "ln1.weight", 0));
                pieces.add(whole(architecture, b + "ln1.bias", 0));
                for (int section = 0; section < 3; section++) {
                    pieces.add(
                            Piece.rows(b + "attention.qkv.weight", section * d + h0 * hs, section * d + h1 * hs, d, j));
                }
                for (int section = 0; section < 3; section++) {
                    pieces.add(Piece.vector(b + "attention.qkv.bias", section * d + h0 * hs, section * d + h1 * hs, j));
                }
                pieces.add(new Piece(b + "attention.out.weight", 0, d, h0 * hs, h1 * hs, false, j));
                if (j == 0) {
                    pieces.add(whole(architecture, b + "attention.out.bias", 0));
                }
                attention.add(new Part(j, new PartOp.GptAttention(block, h0, h1, j == 0, width), pieces));
                int u0 = (int) hidden.get(j).start();
                int u1 = (int) hidden.get(j).end();
                var mlpPieces = new ArrayList<Piece>();
                mlpPieces.add(whole(architecture, b + "ln2.weight", 0));
                mlpPieces.add(whole(architecture, b + "ln2.bias", 0));
                mlpPieces.add(Piece.rows(b + "mlp.fc.weight", u0, u1, d, j));
                mlpPieces.add(Piece.vector(b + "mlp.fc.bias", u0, u1, j));
                mlpPieces.add(new Piece(b + "mlp.proj.weight", 0, d, u0, u1, false, j));
                if (j == 0) {
                    mlpPieces.add(whole(architecture, b + "mlp.proj.bias", 0));
                }
                mlp.add(new Part(j, new PartOp.GptMlp(block, u0, u1, j == 0, width), mlpPieces));
            }
            rounds.add(new Round(attention, ModelSplit.Merge.SUM));
            rounds.add(new Round(mlp, ModelSplit.Merge.SUM));
        }
        rounds.add(new Round(
                List.of(new Part(
                        0,
                        new PartOp.GptHead(),
                        List.of(
                                whole(architecture, "final.ln.weight", 0),
                                whole(architecture, "final.ln.bias", 0),
                                whole(architecture, "head.weight", 0)))),
                ModelSplit.Merge.PASS));
        return new TrainingProgram(rounds, shards);
    }

    private static int hidden(GptArchitecture architecture) {
        return Math.multiplyExact(architecture.context(), architecture.dModel());
    }

    /** A whole parameter as one piece. */
    private static Piece whole(ModelArchitecture architecture, String name, int group) {
        int[] shape = Lookup.required(architecture.parameterShapes(), name);
        return shape.length == 1
                ? Piece.vector(name, 0, shape[0], group)
                : Piece.rows(name, 0, shape[0], shape[1], group);
    }

    private static Part densePart(ModelSplit.Partition partition, boolean activateInput, int group) {
        var pieces = new ArrayList<Piece>();
        for (var slice : partition.slices()) {
            pieces.add(new Piece(
                    ModelParameters.weightOf(slice.layer()),
                    slice.rowStart(),
                    slice.rowEnd(),
                    slice.colStart(),
                    slice.colEnd(),
                    false,
                    group));
            if (slice.bias()) {
                pieces.add(
                        Piece.vector(ModelParameters.biasOf(slice.layer()), slice.rowStart(), slice.rowEnd(), group));
            }
        }
        return new Part(group, new PartOp.Dense(partition.slices(), activateInput), pieces);
    }

    /**
     * The width of round {@code round}'s merged output (not the last round's: that one computes the loss). Every
     * round's parts are summed or passed on, never concatenated, so it is any part's output width.
     */
    public int outputs(int round) {
        return outputs(rounds.get(round).parts().getFirst());
    }

    private static int outputs(Part part) {
        return switch (part.op()) {
            case PartOp.Dense d -> d.slices().getLast().outputs();
            case PartOp.GptEmbed e -> e.width();
            case PartOp.GptStage s -> s.width();
            case PartOp.GptAttention a -> a.width();
            case PartOp.GptMlp m -> m.width();
            case PartOp.DenseLoss l -> throw new IllegalArgumentException("the loss is not merged into a next round");
            case PartOp.GptHead h -> throw new IllegalArgumentException("the loss is not merged into a next round");
        };
    }

    public int lastRound() {
        return rounds.size() - 1;
    }

    /** The pieces group {@code group} keeps and updates, each once, in the order the rounds first read them. */
    public List<Piece> pieces(int group) {
        return byGroup.get(group);
    }

    /** Every piece of the model, each once: together they cover every parameter exactly. */
    public List<Piece> pieces() {
        return byGroup.stream().flatMap(List::stream).toList();
    }

    /** The pieces {@code parameter} is cut into, across every group. */
    public List<Piece> piecesOf(String parameter) {
        var cut = byParameter.get(parameter);
        if (cut == null) {
            throw new IllegalArgumentException("no parameter " + parameter + " in this program");
        }
        return cut;
    }

    /** The parameter bytes group {@code group} keeps. */
    public long groupBytes(int group) {
        return pieces(group).stream().mapToLong(Piece::bytes).sum();
    }
}
