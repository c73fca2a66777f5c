package io.shardflow.worker.generation;

import io.shardflow.core.Lookup;
import io.shardflow.core.generation.StageTensors;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.planning.GptStages;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.partials.ActivationStore;
import io.shardflow.worker.lanes.ShardComputation;
import io.shardflow.worker.lanes.ShardInputException;

/**
 * A GENERATE_STAGE task: one pipeline stage of a gpt over the current sequences of one token step. The first
 * stage embeds the tokens the scheduler stored for the step, later stages take the previous stage's hidden
 * states, and the last returns each sequence's next-byte logits. A stage holds only its own parameters.
 */
public class StageGeneration implements ShardComputation {
    private final JobRepository jobs;
    private final ModelRepository models;
    private final ActivationStore activations;
    private final GptNetworks networks;

    public StageGeneration(
            JobRepository jobs, ModelRepository models, ActivationStore activations, GptNetworks networks) {
        this.jobs = jobs;
        this.models = models;
        this.activations = activations;
        this.networks = networks;
    }

    @Override
    public byte[] compute(ShardTask task) {
        var job =
                jobs.find(task.jobId()).orElseThrow(() -> new ShardInputException("job " + task.jobId() + " is gone"));
        var modelId = task.requireModelId();
        var model =
                models.find(modelId).orElseThrow(() -> new ShardInputException("model " + modelId + " does not exist"));
        var architecture = (GptArchitecture) model.architecture();
        if (!(job.planned() instanceof Plan.PipelinedGeneration plan)) {
            throw new ShardInputException("job " + job.id() + " does not generate through pipeline stages");
        }
        int stages = plan.stages();
        var stage = GptStages.split(architecture, stages).get(task.stage());
        var input = TensorCodec.decodeBundle(activations
                .get(task.jobId(), task.step(), task.stage() == 0 ? StageTensors.STATE_STAGE : task.stage() - 1, 0)
                .orElseThrow(() -> new IllegalStateException("the input of " + task.shardKey() + " is missing")));
        int[] lengths = StageTensors.ints(Lookup.required(input, StageTensors.LENGTHS));
        int batch = lengths.length;
        var key = new GptNetworks.Key(model.id(), task.stage(), stages);
        var network = networks.acquire(model, key);
        try {
            float[] hidden;
            int length;
            if (stage.first()) {
                var tokens = Lookup.required(input, StageTensors.TOKENS);
                length = tokens.shape()[1];
                hidden = network.embed(rows(tokens, lengths), length);
            } else {
                var previous = Lookup.required(input, StageTensors.HIDDEN);
                length = previous.shape()[1] / architecture.dModel();
                hidden = previous.data();
            }
            hidden = network.blocks(stage.fromBlock(), stage.toBlock(), hidden, batch, length);
            if (!stage.last()) {
                return TensorCodec.encodeBundle(StageTensors.carry(
                        input, StageTensors.HIDDEN, Tensor.matrix(batch, length * architecture.dModel(), hidden)));
            }
            int[] last = new int[batch];
            for (int b = 0; b < batch; b++) {
                last[b] = lengths[b] - 1;
            }
            float[][] logits = network.head(hidden, batch, length, last);
            var flat = new float[batch * GptArchitecture.VOCABULARY];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(logits[b], 0, flat, b * GptArchitecture.VOCABULARY, GptArchitecture.VOCABULARY);
            }
            return TensorCodec.encodeBundle(StageTensors.carry(
                    input, StageTensors.LOGITS, Tensor.matrix(batch, GptArchitecture.VOCABULARY, flat)));
        } finally {
            networks.release(network);
        }
    }

    private static int[][] rows(Tensor tokens, int[] lengths) {
        int width = tokens.shape()[1];
        var rows = new int[lengths.length][];
        for (int b = 0; b < lengths.length; b++) {
            rows[b] = new int[lengths[b]];
            for (int i = 0; i < lengths[b]; i++) {
                rows[b][i] = (int) tokens.data()[b * width + i];
            }
        }
        return rows;
    }
}
