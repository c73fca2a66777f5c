package io.shardflow.scheduler.generation;

import static io.shardflow.core.generation.StageTensors.PROMPTS_STEP;
import static io.shardflow.core.generation.StageTensors.STATE_STAGE;

import io.shardflow.core.Lookup;
import io.shardflow.core.generation.Completion;
import io.shardflow.core.generation.GenerationResult;
import io.shardflow.core.generation.Prompts;
import io.shardflow.core.generation.StageTensors;
import io.shardflow.core.generation.TokenSampler;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.planning.RowRange;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.partials.ActivationStore;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.messaging.JobEventPublisher;
import io.shardflow.scheduler.coordination.JobCoordinator;
import io.shardflow.scheduler.dispatch.Dispatcher;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Generation through the pipeline stages of a gpt that no single worker holds. Each token step runs stage 0..k-1
 * in turn on the current sequences (the key {@code (step, stage, 0)}); a stage's output becomes the next stage's
 * input here, and the last stage's logits are sampled here with the same {@link TokenSampler} the workers use, so
 * the text equals DATA generation's. Stages recompute the whole prefix every step (no cache spans tasks): a token
 * costs k task round trips. Everything lives in the job's rows ({@link StageTensors} says where): the prompts,
 * stored once at the start, and the state of step t (every prompt's bytes so far and the next input). Every move
 * is idempotent, so a repeated notice changes nothing.
 */
public class PipelineGenerationCoordinator implements JobCoordinator<Plan.PipelinedGeneration> {
    private final JobRepository jobs;
    private final ShardRepository shards;
    private final PartialStore partials;
    private final ActivationStore activations;
    private final ResultStore results;
    private final ModelRepository models;
    private final DatasetRepository datasets;
    private final Dispatcher dispatcher;
    private final JobEventPublisher events;

    public PipelineGenerationCoordinator(
            JobRepository jobs,
            ShardRepository shards,
            PartialStore partials,
            ActivationStore activations,
            ResultStore results,
            ModelRepository models,
            DatasetRepository datasets,
            Dispatcher dispatcher,
            JobEventPublisher events) {
        this.jobs = jobs;
        this.shards = shards;
        this.partials = partials;
        this.activations = activations;
        this.results = results;
        this.models = models;
        this.datasets = datasets;
        this.dispatcher = dispatcher;
        this.events = events;
    }

    /** Every stage of every token step it may take: the job ends sooner when every prompt stops early. */
    @Override
    public int totalShards(JobRow job, Plan.PipelinedGeneration plan) {
        var generation = job.spec().generation();
        int maxTokens = generation == null ? 0 : generation.maxTokens();
        return plan.stages() * maxTokens;
    }

    /** Stores the prompts and step 0's state, and dispatches its first stage. */
    @Override
    public void start(JobRow job, Plan.PipelinedGeneration plan) {
        var prompts = readPrompts(job);
        activations.put(job.id(), PROMPTS_STEP, STATE_STAGE, 0, MessageCodec.encode(prompts));
        var bytes = utf8(prompts);
        if (activations.put(job.id(), 0, STATE_STAGE, 0, state(bytes, completions(job, bytes, Map.of())))) {
            dispatch(job, plan, 0, 0, prompts.size());
        }
    }

    /** A stage of a step finished: pass its output on, or sample the step's tokens and start the next step. */
    @Override
    public void shardDone(JobRow job, Plan.PipelinedGeneration plan, ShardKey key) {
        int stages = plan.stages();
        jobs.recordProgress(job.id(), shards.countDone(job.id()));
        var output = partials.readGroup(job.id(), key.step(), key.stage(), 0, 1);
        if (output.isEmpty()) {
            return; // handled by an earlier notice
        }
        if (key.stage() < stages - 1) {
            activations.put(job.id(), key.step(), key.stage(), 0, output.getFirst());
            partials.deleteGroup(job.id(), key.step(), key.stage(), 0, 1);
            var shard = shards.find(key).orElseThrow();
            dispatch(job, plan, key.step(), key.stage() + 1, shard.rowEnd());
            return;
        }
        var prompts = storedPrompts(job);
        var state = TensorCodec.decodeBundle(activations
                .get(job.id(), key.step(), STATE_STAGE, 0)
                .orElseThrow(
                        () -> new IllegalStateException("job " + job.id() + " has no state at step " + key.step())));
        var completions = completions(job, prompts, state);
        var last = TensorCodec.decodeBundle(output.getFirst());
        var logits = Lookup.required(last, StageTensors.LOGITS);
        int[] rows = StageTensors.ints(Lookup.required(last, StageTensors.PROMPTS));
        var generation = job.spec().requireGeneration();
        for (int b = 0; b < rows.length; b++) {
            var completion = completions.get(rows[b]);
            float[] row = Arrays.copyOfRange(logits.data(), b * logits.shape()[1], (b + 1) * logits.shape()[1]);
            completion.add(TokenSampler.next(row, generation, rows[b], completion.tokens()));
        }
        partials.deleteGroup(job.id(), key.step(), key.stage(), 0, 1);
        if (completions.stream().allMatch(Completion::finished)) {
            finish(job, plan, completions, key.step() + 1);
            return;
        }
        if (activations.put(job.id(), key.step() + 1, STATE_STAGE, 0, state(prompts, completions))) {
            activations.deleteStep(job.id(), key.step());
            dispatch(job, plan, key.step() + 1, 0, prompts.size());
        }
    }

    /** Re-drives every finished stage whose notice may have been lost. */
    @Override
    public void resume(JobRow job, Plan.PipelinedGeneration plan) {
        for (var key : shards.done(job.id())) {
            shardDone(job, plan, key);
        }
    }

    private void finish(JobRow job, Plan.PipelinedGeneration plan, List<Completion> completions, int steps) {
        if (!jobs.transition(job.id(), JobStatus.RUNNING, JobStatus.AGGREGATING)) {
            return;
        }
        results.put(
                job.id(),
                GenerationResult.of(completions.stream().map(Completion::text).toList())
                        .encode());
        activations.deleteAll(job.id());
        int done = shards.countDone(job.id());
        // the plan counted maxTokens steps; the job took fewer when every prompt stopped early
        jobs.recordShardsTotal(job.id(), done);
        jobs.recordProgress(job.id(), done);
        jobs.transition(job.id(), JobStatus.AGGREGATING, JobStatus.SUCCEEDED);
        events.publish(
                jobs.find(job.id()).orElseThrow(),
                "generated " + completions.size() + " completions in " + steps + " token steps through " + plan.stages()
                        + " pipeline stages");
    }

    private void dispatch(JobRow job, Plan.PipelinedGeneration plan, int step, int stage, long prompts) {
        dispatcher.startShards(
                List.of(Dispatcher.shard(job, plan, new ShardKey(job.id(), step, stage, 0), new RowRange(0, prompts))));
    }

    /** The job's prompts from its request or dataset (a prompt dataset is read whole), read once at the start. */
    private List<String> readPrompts(JobRow job) {
        var spec = job.spec();
        var dataset = spec.dataset() == null
                ? null
                : datasets.find(spec.dataset().id()).orElseThrow();
        return Prompts.of(spec, dataset, datasets.text(dataset));
    }

    /** The prompts as {@link #start} stored them. */
    private List<byte[]> storedPrompts(JobRow job) {
        var stored = activations
                .get(job.id(), PROMPTS_STEP, STATE_STAGE, 0)
                .orElseThrow(() -> new IllegalStateException("job " + job.id() + " has no stored prompts"));
        return utf8(Arrays.asList(MessageCodec.decode(stored, String[].class)));
    }

    private static List<byte[]> utf8(List<String> prompts) {
        return prompts.stream().map(p -> p.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /** Every prompt's completion, replayed from the bytes a state holds (stop strings and limits apply again). */
    private List<Completion> completions(JobRow job, List<byte[]> prompts, Map<String, Tensor> state) {
        var architecture = (GptArchitecture)
                models.find(job.spec().requireModelId()).orElseThrow().architecture();
        var completions = new ArrayList<Completion>();
        for (int i = 0; i < prompts.size(); i++) {
            var completion = new Completion(prompts.get(i), job.spec().requireGeneration(), architecture.context());
            var generated = state.get("g." + i);
            if (generated != null) {
                for (float token : generated.data()) {
                    completion.add((int) token);
                }
                if (Lookup.required(state, "done").data()[i] > 0 && !completion.finished()) {
                    completion.finish();
                }
            }
            completions.add(completion);
        }
        return completions;
    }

    /** The next step's input (the unfinished sequences) and every prompt's generated bytes. */
    private static byte[] state(List<byte[]> prompts, List<Completion> completions) {
        var sequences = new ArrayList<byte[]>();
        var rows = new ArrayList<Integer>();
        var bundle = new LinkedHashMap<String, Tensor>();
        var done = new float[completions.size()];
        for (int i = 0; i < completions.size(); i++) {
            var completion = completions.get(i);
            done[i] = completion.finished() ? 1 : 0;
            byte[] sequence = completion.sequence();
            var generated = new float[sequence.length - prompts.get(i).length];
            for (int j = 0; j < generated.length; j++) {
                generated[j] = sequence[prompts.get(i).length + j] & 0xFF;
            }
            bundle.put("g." + i, Tensor.vector(generated));
            if (!completion.finished()) {
                sequences.add(sequence);
                rows.add(i);
            }
        }
        bundle.put("done", Tensor.vector(done));
        bundle.putAll(StageTensors.tokens(
                sequences, rows.stream().mapToInt(Integer::intValue).toArray()));
        return TensorCodec.encodeBundle(bundle);
    }
}
