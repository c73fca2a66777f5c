package io.shardflow.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.shardflow.core.datasets.DatasetFormat;
import io.shardflow.core.generation.GenerationResult;
import io.shardflow.core.generation.GenerationSpec;
import io.shardflow.core.generation.StageTensors;
import io.shardflow.core.jobs.JobInput;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.messaging.ShardCompleted;
import io.shardflow.core.messaging.ShardTask;
import io.shardflow.core.messaging.TaskKind;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.LinearArchitecture;
import io.shardflow.core.models.MlpArchitecture;
import io.shardflow.core.models.ModelParameters;
import io.shardflow.core.planning.ModelSplit;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.planning.Strategy;
import io.shardflow.core.shards.ShardFailure;
import io.shardflow.core.shards.ShardStatus;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.core.training.OptimizerKind;
import io.shardflow.core.training.ParameterInit;
import io.shardflow.core.training.Piece;
import io.shardflow.core.training.SplitTask;
import io.shardflow.core.training.TrainingPartial;
import io.shardflow.core.training.TrainingSpec;
import io.shardflow.db.MutableClock;
import io.shardflow.db.TestDatabase;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.partials.ActivationStore;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.training.PieceStore;
import io.shardflow.db.training.TrainingStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Each coordinator against a real PostgreSQL and a clock the test moves, with simulated lanes in place of workers.
 * Notices reach the schedulers shuffled, repeated and split between two scheduler processes handling them at once;
 * whatever the order, each job ends once with the result an orderly run gives.
 */
class CoordinatorsIT {
    private static final String TENANT = "coordinators";

    private final TestDatabase db = TestDatabase.get();
    private final MutableClock clock = MutableClock.frozen();
    private final SchedulerProcess first = new SchedulerProcess(db, clock, "scheduler-a");
    private final SchedulerProcess second = new SchedulerProcess(db, clock, "scheduler-b");
    private final SimulatedLanes lanes = new SimulatedLanes(db, clock);
    private final JobRepository jobs = new JobRepository(db.jdbc, clock);
    private final ShardRepository shards = new ShardRepository(db.jdbc, db.template, clock);
    private final DatasetRepository datasets = new DatasetRepository(db.jdbc, db.template, db.readAhead);
    private final ModelRepository models = new ModelRepository(db.jdbc, db.template);
    private final PieceStore pieces = new PieceStore(db.jdbc, db.template);
    private final ResultStore results = new ResultStore(db.jdbc, db.template, new PartialStore(db.jdbc, db.template));

    /** How notices travel: in order to one scheduler, or shuffled, some twice, to two schedulers at once. */
    private enum Delivery {
        ORDERLY,
        CHAOTIC
    }

    private UUID submit(JobSpec spec) {
        var id = jobs.insert(UUID.randomUUID(), TENANT, spec, null);
        first.planner.plan(id);
        return id;
    }

    /**
     * Runs the job to its end: every task the schedulers dispatch is computed by {@code compute}, and the notices of
     * each wave are delivered as {@code delivery} says. Returns the ended job.
     */
    private JobRow run(UUID jobId, Delivery delivery, Function<ShardTask, byte[]> compute) throws Exception {
        var random = new Random(jobId.getLeastSignificantBits());
        try (var pool = Executors.newFixedThreadPool(2)) {
            for (int wave = 0; wave < 10_000; wave++) {
                var job = jobs.find(jobId).orElseThrow();
                if (job.status().isTerminal()) {
                    return job;
                }
                var notices = new ArrayList<ShardCompleted>();
                for (var task : lanes.take(jobId)) {
                    var notice = lanes.run(task, compute);
                    if (notice != null) {
                        notices.add(notice);
                    }
                }
                assertThat(notices).as("a running job has work dispatched").isNotEmpty();
                if (delivery == Delivery.ORDERLY) {
                    notices.forEach(first.aggregator::handle);
                    continue;
                }
                var deliveries = new ArrayList<ShardCompleted>(notices);
                for (var notice : notices) {
                    if (random.nextInt(3) == 0) {
                        deliveries.add(notice); // redelivered
                    }
                }
                Collections.shuffle(deliveries, random);
                var handled = new ArrayList<Future<?>>();
                for (var notice : deliveries) {
                    var scheduler = random.nextBoolean() ? first : second;
                    handled.add(pool.submit(() -> scheduler.aggregator.handle(notice)));
                }
                for (var future : handled) {
                    future.get();
                }
            }
        }
        throw new AssertionError("job " + jobId + " did not end");
    }

    private long events(UUID jobId, String type) {
        return db.jdbc
                .sql("select count(*) from job_events where job_id = ? and type = ?")
                .params(jobId, type)
                .query(Long.class)
                .single();
    }

    private UUID table(int rows, List<String> columns, Function<Integer, float[]> row) {
        var id = UUID.randomUUID();
        int chunk = 16;
        datasets.create(id, TENANT, "table", DatasetFormat.CSV, columns, chunk);
        for (int start = 0, index = 0; start < rows; start += chunk, index++) {
            int n = Math.min(chunk, rows - start);
            var values = new float[columns.size()][chunk];
            for (int r = 0; r < n; r++) {
                float[] x = row.apply(start + r);
                for (int c = 0; c < x.length; c++) {
                    values[c][r] = x[c];
                }
            }
            datasets.appendChunk(id, index, start, n, values);
        }
        datasets.setRowCount(id, rows);
        return id;
    }

    @Test
    void dataInferenceMergesOnceWhateverTheOrderAndWhicheverSchedulerHearsIt() throws Exception {
        var model = UUID.randomUUID();
        models.createSeeded(model, TENANT, "linear", new LinearArchitecture(2, 1), 1);
        var data = table(50, List.of("a", "b"), r -> new float[] {r, -r});
        var spec = new JobSpec(
                JobType.INFERENCE,
                new JobSpec.ModelRef(model),
                new JobSpec.DatasetRef(data, List.of("a", "b")),
                null,
                null,
                new JobSpec.Parallelism(Strategy.DATA, 4),
                null,
                null,
                null);
        var jobId = submit(spec);

        // each shard's output is its rows' indexes, so the result shows the order the partials were joined in
        var job = run(jobId, Delivery.CHAOTIC, task -> {
            int rows = (int) (task.rowEnd() - task.rowStart());
            var values = new float[rows];
            for (int r = 0; r < rows; r++) {
                values[r] = task.rowStart() + r;
            }
            return TensorCodec.encode(Tensor.matrix(rows, 1, values));
        });

        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.shardsDone()).isEqualTo(4);
        assertThat(events(jobId, "io.shardflow.job.succeeded")).isEqualTo(1);
        var result = TensorCodec.decode(results.find(jobId).orElseThrow());
        assertThat(result.shape()).containsExactly(50, 1);
        for (int r = 0; r < 50; r++) {
            assertThat(result.data()[r]).isEqualTo(r);
        }
    }

    private JobSpec trainingSpec(UUID data) {
        var training = new TrainingSpec(
                null, 14, 8, OptimizerKind.ADAM, 0.01, null, null, null, null, 1, 3L, 0.25, false, 5, null);
        return new JobSpec(
                JobType.TRAINING,
                new JobSpec.ModelRef(null, new LinearArchitecture(2, 1), "trained"),
                new JobSpec.DatasetRef(data, List.of("a", "b"), "y"),
                null,
                null,
                new JobSpec.Parallelism(Strategy.DATA, 3),
                training,
                null,
                null);
    }

    /**
     * A gradient that depends only on the parameters the task reads and on its shard, so that the whole run is a
     * function of the order the parameter server applies rounds in: any other order or a lost round shows.
     */
    private byte[] syntheticTraining(ShardTask task) {
        int samples = (int) (task.rowEnd() - task.rowStart());
        if (task.kind() == TaskKind.EVALUATE) {
            return new TrainingPartial(new float[0][], samples, 0.25 + task.step(), 0).encode();
        }
        var store = new TrainingStore(db.jdbc, db.template);
        var params = ModelParameters.flat(TensorCodec.decodeBundle(
                store.parameters(task.jobId(), task.version()).orElseThrow()));
        var grads = new float[params.length][];
        for (int i = 0; i < params.length; i++) {
            grads[i] = new float[params[i].length];
            for (int j = 0; j < params[i].length; j++) {
                grads[i][j] = 0.5f * params[i][j] + 0.01f * (task.shardIndex() + 1) - 0.003f * j;
            }
        }
        return new TrainingPartial(grads, samples, 1.0 / (task.version() + 1), 0).encode();
    }

    @Test
    void trainingEndsWithTheSameParametersWhenNoticesAreShuffledRepeatedAndSplitBetweenTwoSchedulers()
            throws Exception {
        var data = table(60, List.of("a", "b", "y"), r -> new float[] {r % 7, r % 5, r % 3});
        var orderly = run(submit(trainingSpec(data)), Delivery.ORDERLY, this::syntheticTraining);
        var chaotic = run(submit(trainingSpec(data)), Delivery.CHAOTIC, this::syntheticTraining);

        for (var job : List.of(orderly, chaotic)) {
            assertThat(job.status()).as(job.error()).isEqualTo(JobStatus.SUCCEEDED);
            assertThat(job.progress().step()).isEqualTo(14);
            assertThat(events(job.id(), "io.shardflow.job.succeeded")).isEqualTo(1);
            assertThat(events(job.id(), "io.shardflow.job.resumed")).isZero();
            assertThat(db.jdbc
                            .sql("select count(*) from models where source_job_id = ?")
                            .param(job.id())
                            .query(Long.class)
                            .single())
                    .isEqualTo(1);
        }
        assertThat(chaotic.metrics()).isEqualTo(orderly.metrics());
        var a = models.loadNamed(models.find(orderly.resultModelId()).orElseThrow());
        var b = models.loadNamed(models.find(chaotic.resultModelId()).orElseThrow());
        assertThat(a.keySet()).isEqualTo(b.keySet());
        for (var name : a.keySet()) {
            assertThat(b.get(name).data()).as(name).containsExactly(a.get(name).data());
        }
    }

    /**
     * Synthetic model-parallel tasks: a forward part outputs zeros of its round's width for two rows; a backward
     * part stores constant gradients for its pieces and returns a zero gradient of its input; an update moves its
     * group's pieces by their summed gradients; an evaluation returns a loss. The run is then a function only of the
     * order the coordinator applies steps in, and a gradient merged twice, or lost, shows in the parameters.
     */
    private byte[] syntheticSplit(ShardTask task) {
        var job = jobs.find(task.jobId()).orElseThrow();
        var plan = (Plan.ModelParallelTraining) job.planned();
        var steps = plan.steps();
        var program = steps.program();
        return switch (steps.task(task.stage(), task.shardIndex())) {
            case SplitTask.Forward f -> {
                int width = program.outputs(f.round());
                yield TensorCodec.encode(Tensor.matrix(2, width, new float[2 * width]));
            }
            case SplitTask.Last l -> {
                if (l.evaluation()) {
                    yield new TrainingPartial(new float[0][], 2, 0.5 + task.step(), 0).encode();
                }
                var part = program.rounds().get(program.lastRound()).parts().getFirst();
                gradients(task, part.pieces());
                int width = program.outputs(program.lastRound() - 1);
                yield new TrainingPartial(new float[][] {new float[2 * width]}, 2, 1.0 / (task.step() + 1), 0).encode();
            }
            case SplitTask.Backward b -> {
                var part = program.rounds().get(b.round()).parts().get(b.part());
                gradients(task, part.pieces());
                var inputGrad =
                        b.round() == 0 ? new float[0][] : new float[][] {new float[2 * program.outputs(b.round() - 1)]};
                yield new TrainingPartial(inputGrad, 2, 0, 0).encode();
            }
            case SplitTask.Update u -> {
                var owned = program.pieces(u.group());
                var ids = owned.stream().map(Piece::id).toList();
                var states = pieces.states(task.jobId(), task.version(), ids);
                var sums = new java.util.HashMap<String, float[]>();
                for (var gradient : pieces.gradients(task.jobId(), task.step(), ids)) {
                    float[] g = TensorCodec.decode(gradient.data()).data();
                    float[] sum = sums.computeIfAbsent(gradient.piece(), k -> new float[g.length]);
                    for (int i = 0; i < g.length; i++) {
                        sum[i] += g[i];
                    }
                }
                var next = new java.util.LinkedHashMap<String, PieceStore.PieceState>();
                for (var piece : owned) {
                    var state = states.get(piece.id());
                    float[] values = TensorCodec.decode(state.data()).data();
                    float[] sum = sums.get(piece.id());
                    for (int i = 0; i < values.length; i++) {
                        values[i] -= 0.1f * sum[i];
                    }
                    next.put(
                            piece.id(),
                            new PieceStore.PieceState(
                                    TensorCodec.encode(new Tensor(piece.shape(), values)), state.optimizer()));
                }
                pieces.put(task.jobId(), task.version() + 1, next);
                yield new TrainingPartial(new float[0][], 0, 0, 0).encode();
            }
        };
    }

    /** Constant gradients for a task's pieces, which depend on the piece, the part's slice and the step. */
    private void gradients(ShardTask task, List<Piece> read) {
        var grads = new java.util.LinkedHashMap<String, byte[]>();
        for (var piece : read) {
            var values = new float[Math.toIntExact(piece.values())];
            Arrays.fill(values, 0.01f * (piece.group() + 1) + 0.001f * task.step() + 0.0001f * task.shardIndex());
            grads.put(piece.id(), TensorCodec.encode(new Tensor(piece.shape(), values)));
        }
        pieces.putGradients(task.jobId(), task.step(), task.stage(), task.shardIndex(), grads);
    }

    private JobSpec splitSpec(UUID data, MlpArchitecture architecture, JobSpec.Parallelism parallelism) {
        return splitSpec(data, new JobSpec.ModelRef(null, architecture, "split"), parallelism);
    }

    private JobSpec splitSpec(UUID data, JobSpec.ModelRef model, JobSpec.Parallelism parallelism) {
        var training = new TrainingSpec(
                null, 7, 8, OptimizerKind.ADAM, 0.01, null, null, null, null, 1, 5L, 0.25, false, 3, null);
        return new JobSpec(
                JobType.TRAINING,
                model,
                new JobSpec.DatasetRef(data, List.of("a", "b"), "y"),
                null,
                null,
                parallelism,
                training,
                null,
                null);
    }

    /** A split fine-tune starts from the base model's parameters, cut into pieces a parameter at a time. */
    @Test
    void aSplitFineTuneStartsFromTheBaseModelsParameters() {
        var architecture = new MlpArchitecture(List.of(2, 5, 4, 1), null);
        var data = table(40, List.of("a", "b", "y"), r -> new float[] {r % 3, r % 4, r % 2});
        var base = UUID.randomUUID();
        var parameters = ParameterInit.initial(architecture, 99);
        models.create(base, TENANT, "base", architecture, parameters, ModelRepository.Lineage.NONE);

        var jobId = submit(splitSpec(
                data, new JobSpec.ModelRef(base), new JobSpec.Parallelism(Strategy.HYBRID, 2, 2, Strategy.TENSOR, 2)));

        var plan = (Plan.ModelParallelTraining) jobs.find(jobId).orElseThrow().plan();
        var all = plan.program().pieces();
        var stored = pieces.data(jobId, 0, all.stream().map(Piece::id).toList());
        var pasted = new HashMap<String, float[]>();
        for (var piece : all) {
            var whole = parameters.get(piece.parameter());
            int width = whole.shape().length == 2 ? whole.shape()[1] : 1;
            piece.paste(
                    TensorCodec.decode(stored.get(piece.id())).data(),
                    pasted.computeIfAbsent(piece.parameter(), n -> new float[whole.data().length]),
                    width);
        }
        assertThat(pasted.keySet()).containsExactlyInAnyOrderElementsOf(parameters.keySet());
        parameters.forEach(
                (name, tensor) -> assertThat(pasted.get(name)).as(name).containsExactly(tensor.data()));
    }

    @Test
    void modelParallelTrainingEndsWithTheSameParametersWhateverTheOrderOfItsNotices() throws Exception {
        var architecture = new MlpArchitecture(List.of(2, 5, 4, 1), null);
        var data = table(40, List.of("a", "b", "y"), r -> new float[] {r % 3, r % 4, r % 2});
        for (var parallelism : List.of(
                new JobSpec.Parallelism(Strategy.PIPELINE, null, 2, null, 2),
                new JobSpec.Parallelism(Strategy.HYBRID, 2, 2, Strategy.TENSOR, 2))) {
            var orderly =
                    run(submit(splitSpec(data, architecture, parallelism)), Delivery.ORDERLY, this::syntheticSplit);
            var chaotic =
                    run(submit(splitSpec(data, architecture, parallelism)), Delivery.CHAOTIC, this::syntheticSplit);

            for (var job : List.of(orderly, chaotic)) {
                assertThat(job.status()).as(job.error()).isEqualTo(JobStatus.SUCCEEDED);
                assertThat(job.progress().step()).isEqualTo(7);
                assertThat(events(job.id(), "io.shardflow.job.succeeded")).isEqualTo(1);
                assertThat(events(job.id(), "io.shardflow.job.resumed")).isZero();
            }
            assertThat(chaotic.metrics()).isEqualTo(orderly.metrics());
            var a = models.loadNamed(models.find(orderly.resultModelId()).orElseThrow());
            var b = models.loadNamed(models.find(chaotic.resultModelId()).orElseThrow());
            for (var name : a.keySet()) {
                assertThat(b.get(name).data())
                        .as(parallelism + " " + name)
                        .containsExactly(a.get(name).data());
            }
            assertThat(a.get("layers.0.bias").data()[0])
                    .as("the steps moved the parameters")
                    .isNotZero();
        }
    }

    @Test
    void aModelParallelJobWhoseStateIsLostResumesFromItsLastCheckpointAndEndsAlike() throws Exception {
        var architecture = new MlpArchitecture(List.of(2, 5, 4, 1), null);
        var data = table(40, List.of("a", "b", "y"), r -> new float[] {r % 3, r % 4, r % 2});
        for (var parallelism : List.of(
                new JobSpec.Parallelism(Strategy.PIPELINE, null, 3, null, 2),
                new JobSpec.Parallelism(Strategy.HYBRID, 2, 2, Strategy.TENSOR, 2))) {
            resumesAlike(data, architecture, parallelism);
        }
    }

    private void resumesAlike(UUID data, MlpArchitecture architecture, JobSpec.Parallelism parallelism)
            throws Exception {
        var intact = run(submit(splitSpec(data, architecture, parallelism)), Delivery.ORDERLY, this::syntheticSplit);
        var lost = new java.util.concurrent.atomic.AtomicBoolean();
        var resumed = run(submit(splitSpec(data, architecture, parallelism)), Delivery.CHAOTIC, task -> {
            byte[] partial = syntheticSplit(task);
            // once, right after an update of step 4 stored its pieces of version 5, one of them is lost
            if (task.kind() == TaskKind.SPLIT_UPDATE && task.step() == 4 && lost.compareAndSet(false, true)) {
                db.jdbc
                        .sql(
                                "delete from job_parameter_pieces where job_id = ? and version = 5 "
                                        + "and piece = (select min(piece) from job_parameter_pieces where job_id = ? and version = 5)")
                        .params(task.jobId(), task.jobId())
                        .update();
            }
            return partial;
        });

        assertThat(lost).isTrue();
        assertThat(resumed.status()).as(resumed.error()).isEqualTo(JobStatus.SUCCEEDED);
        // checkpoints every 3 steps: the job replayed steps 3 and 4
        assertThat(events(resumed.id(), "io.shardflow.job.resumed")).isEqualTo(1);
        assertThat(resumed.metrics()).isEqualTo(intact.metrics());
        var a = models.loadNamed(models.find(intact.resultModelId()).orElseThrow());
        var b = models.loadNamed(models.find(resumed.resultModelId()).orElseThrow());
        for (var name : a.keySet()) {
            assertThat(b.get(name).data()).as(name).containsExactly(a.get(name).data());
        }
    }

    @Test
    void tensorParallelInferenceMergesEachRoundOfEveryDataShard() throws Exception {
        var architecture = new MlpArchitecture(List.of(3, 6, 4, 2), null);
        var model = UUID.randomUUID();
        models.createSeeded(model, TENANT, "mlp", architecture, 2);
        var data = table(20, List.of("a", "b", "c"), r -> new float[] {r, r, r});
        var spec = new JobSpec(
                JobType.INFERENCE,
                new JobSpec.ModelRef(model),
                new JobSpec.DatasetRef(data, List.of("a", "b", "c")),
                null,
                null,
                new JobSpec.Parallelism(Strategy.HYBRID, 2, 2, Strategy.TENSOR, null),
                null,
                null,
                null);
        var jobId = submit(spec);
        var split = ModelSplit.tensor(architecture, 2);

        // every model shard outputs ones of its partition's width: a summed round gives k, a concatenated one 1
        var job = run(jobId, Delivery.CHAOTIC, task -> {
            var partition = split.rounds()
                    .get(task.layout().modelRound())
                    .partitions()
                    .get(task.layout().modelShard());
            int rows = (int) (task.rowEnd() - task.rowStart());
            var ones = new float[rows * partition.outputs()];
            Arrays.fill(ones, 1f);
            return TensorCodec.encode(Tensor.matrix(rows, partition.outputs(), ones));
        });

        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.shardsDone())
                .isEqualTo(job.shardsTotal())
                .isEqualTo(2 * 2 * split.rounds().size());
        assertThat(events(jobId, "io.shardflow.job.succeeded")).isEqualTo(1);
        var result = TensorCodec.decode(results.find(jobId).orElseThrow());
        assertThat(result.shape()).containsExactly(20, 2);
        float expected = split.rounds().getLast().merge() == ModelSplit.Merge.SUM ? 2f : 1f;
        for (float v : result.data()) {
            assertThat(v).isEqualTo(expected);
        }
    }

    @Test
    void generationJoinsEveryShardsCompletionsInPromptOrder() throws Exception {
        var model = UUID.randomUUID();
        models.createSeeded(model, TENANT, "gpt", new GptArchitecture(1, 2, 8, 32), 4);
        var prompts = List.of("a", "b", "c", "d", "e");
        var spec = new JobSpec(
                JobType.INFERENCE,
                new JobSpec.ModelRef(model),
                null,
                new JobInput(prompts, null),
                new GenerationSpec(4, 0.0, null, null, null),
                new JobSpec.Parallelism(Strategy.DATA, 3),
                null,
                null,
                null);
        var jobId = submit(spec);

        // each shard "completes" its prompts with their row numbers, so the result shows how shards were joined
        var job = run(jobId, Delivery.CHAOTIC, task -> {
            var completions = new ArrayList<String>();
            for (long row = task.rowStart(); row < task.rowEnd(); row++) {
                completions.add(prompts.get((int) row) + row);
            }
            return GenerationResult.of(completions).encode();
        });

        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(events(jobId, "io.shardflow.job.succeeded")).isEqualTo(1);
        assertThat(GenerationResult.decode(results.find(jobId).orElseThrow()).outputs())
                .containsExactly("a0", "b1", "c2", "d3", "e4");
    }

    @Test
    void pipelinedGenerationSamplesEveryTokenStepFromTheLastStage() throws Exception {
        var architecture = new GptArchitecture(2, 2, 8, 32);
        var model = UUID.randomUUID();
        models.createSeeded(model, TENANT, "gpt", architecture, 3);
        var prompts = List.of("one", "two", "three");
        var spec = new JobSpec(
                JobType.INFERENCE,
                new JobSpec.ModelRef(model),
                null,
                new JobInput(prompts, null),
                new GenerationSpec(6, 0.0, null, null, List.of("b")),
                new JobSpec.Parallelism(Strategy.PIPELINE, null, 2, null, null),
                null,
                null,
                null);
        var jobId = submit(spec);
        var activations = new ActivationStore(db.jdbc, db.template);

        // the last stage always favours byte 'a' then 'b' by turns, so every prompt completes "a" and stops at its stop
        // string "b"
        var job = run(jobId, Delivery.CHAOTIC, task -> {
            var input = TensorCodec.decodeBundle(activations
                    .get(task.jobId(), task.step(), task.stage() == 0 ? StageTensors.STATE_STAGE : task.stage() - 1, 0)
                    .orElseThrow());
            int batch = input.get(StageTensors.LENGTHS).data().length;
            if (task.stage() == 0) {
                return TensorCodec.encodeBundle(
                        StageTensors.carry(input, StageTensors.HIDDEN, Tensor.matrix(batch, 1, new float[batch])));
            }
            var logits = new float[batch * 256];
            for (int b = 0; b < batch; b++) {
                logits[b * 256 + (task.step() % 2 == 0 ? 'a' : 'b')] = 10f;
            }
            return TensorCodec.encodeBundle(
                    StageTensors.carry(input, StageTensors.LOGITS, Tensor.matrix(batch, 256, logits)));
        });

        assertThat(job.status()).as(job.error()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(events(jobId, "io.shardflow.job.succeeded")).isEqualTo(1);
        assertThat(job.shardsTotal()).as("two token steps of two stages").isEqualTo(4);
        var result = GenerationResult.decode(results.find(jobId).orElseThrow());
        assertThat(result.outputs()).containsExactly("a", "a", "a");
    }

    @Test
    void anAttemptNoWorkerStartsIsDispatchedAgainOnceItsLeaseHasExpired() {
        var model = UUID.randomUUID();
        models.createSeeded(model, TENANT, "linear", new LinearArchitecture(1, 1), 1);
        var spec = new JobSpec(
                JobType.INFERENCE,
                new JobSpec.ModelRef(model),
                null,
                new JobInput(null, List.of(new float[] {1}, new float[] {2})),
                null,
                new JobSpec.Parallelism(Strategy.DATA, 1),
                null,
                null,
                null);
        var jobId = submit(spec);
        assertThat(lanes.take(jobId)).extracting(ShardTask::attempt).containsExactly(1);

        clock.advance(SchedulerProcess.SETTINGS.dispatchLease().minusSeconds(1));
        second.sweeper.sweep();
        assertThat(lanes.take(jobId)).as("the lease has not run out").isEmpty();

        clock.advance(Duration.ofSeconds(2));
        second.sweeper.sweep();
        first.sweeper.sweep();
        assertThat(lanes.take(jobId)).extracting(ShardTask::attempt).containsExactly(2);
        var shard = shards.list(jobId).getFirst();
        assertThat(shard.status()).isEqualTo(ShardStatus.DISPATCHED);
        assertThat(shard.error())
                .startsWith("worker simulated-")
                .endsWith(" did not start it before its lease expired");
    }

    @Test
    void aJobWhoseLastNoticeWasLostIsFinishedByTheReconcilerOfAnyScheduler() {
        var model = UUID.randomUUID();
        models.createSeeded(model, TENANT, "linear", new LinearArchitecture(1, 1), 1);
        var data = table(9, List.of("a"), r -> new float[] {r});
        var spec = new JobSpec(
                JobType.INFERENCE,
                new JobSpec.ModelRef(model),
                new JobSpec.DatasetRef(data, List.of("a")),
                null,
                null,
                new JobSpec.Parallelism(Strategy.DATA, 3),
                null,
                null,
                null);
        var jobId = submit(spec);
        for (var task : lanes.take(jobId)) {
            int rows = (int) (task.rowEnd() - task.rowStart());
            lanes.run(task, t -> TensorCodec.encode(Tensor.matrix(rows, 1, new float[rows]))); // notices lost
        }

        second.reconciler.reconcile();
        assertThat(jobs.find(jobId).orElseThrow().status())
                .as("not stalled yet")
                .isEqualTo(JobStatus.RUNNING);

        clock.advance(SchedulerProcess.SETTINGS.stallAfter().plusSeconds(1));
        second.reconciler.reconcile();
        assertThat(jobs.find(jobId).orElseThrow().status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(events(jobId, "io.shardflow.job.succeeded")).isEqualTo(1);
    }

    /**
     * A dense PIPELINE training an earlier version planned (its plan counts stages; its state is in no pieces) fails
     * with a reason that says to retry it, its shards with it, whether a notice of it or the reconciler comes first;
     * a job of this version's plan runs on untouched.
     */
    @Test
    void aPipelineTrainingPlannedByAnEarlierVersionFailsAndSaysToRetryIt() throws Exception {
        var architecture = new MlpArchitecture(List.of(2, 5, 4, 1), null);
        var data = table(40, List.of("a", "b", "y"), r -> new float[] {r % 3, r % 4, r % 2});
        var parallelism = new JobSpec.Parallelism(Strategy.PIPELINE, null, 2, null, 2);
        var earlier = submit(splitSpec(data, architecture, parallelism));
        var noticed = submit(splitSpec(data, architecture, parallelism));
        var current = submit(splitSpec(data, architecture, parallelism));
        for (var jobId : List.of(earlier, noticed)) {
            // the document an earlier version stored: its training plan counted the stages, and it had no model plan
            db.jdbc
                    .sql("update jobs set plan = jsonb_set(plan, '{training,stages}', '2') - 'model' where id = ?")
                    .param(jobId)
                    .update();
        }

        // its first round done and noticed before any reconciler pass: the notice fails it, nothing is merged
        for (var task : lanes.take(noticed)) {
            var notice = lanes.run(task, t -> TensorCodec.encode(Tensor.matrix(1, 1, new float[1])));
            if (notice != null) {
                first.aggregator.handle(notice);
            }
        }
        var failedByNotice = jobs.find(noticed).orElseThrow();
        assertThat(failedByNotice.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failedByNotice.error()).contains("earlier version", "retry the job");
        assertThat(events(noticed, "io.shardflow.job.failed")).isEqualTo(1);

        second.reconciler.reconcile();

        var failed = jobs.find(earlier).orElseThrow();
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.error()).contains("earlier version", "retry the job");
        assertThat(events(earlier, "io.shardflow.job.failed")).isEqualTo(1);
        assertThat(db.jdbc
                        .sql("select count(*) from shards where job_id = ? and status <> 'FAILED'")
                        .param(earlier)
                        .query(Long.class)
                        .single())
                .as("its unfinished shards abandoned")
                .isZero();
        second.reconciler.reconcile();
        assertThat(events(earlier, "io.shardflow.job.failed")).as("failed once").isEqualTo(1);

        assertThat(jobs.find(current).orElseThrow().status()).isEqualTo(JobStatus.RUNNING);
        assertThat(run(current, Delivery.ORDERLY, this::syntheticSplit).status())
                .isEqualTo(JobStatus.SUCCEEDED);
    }

    @Test
    void aShardThatKeepsFailingIsRetriedThenFailsItsJobWithItsReason() throws Exception {
        var model = UUID.randomUUID();
        models.createSeeded(model, TENANT, "linear", new LinearArchitecture(1, 1), 1);
        var spec = new JobSpec(
                JobType.INFERENCE,
                new JobSpec.ModelRef(model),
                null,
                new JobInput(null, List.of(new float[] {1}, new float[] {2}, new float[] {3})),
                null,
                new JobSpec.Parallelism(Strategy.DATA, 1),
                null,
                null,
                2);
        var jobId = submit(spec);
        for (int attempt = 1; attempt <= 2; attempt++) {
            var tasks = lanes.take(jobId);
            assertThat(tasks).extracting(ShardTask::attempt).containsExactly(attempt);
            var failure = lanes.failed(tasks.getFirst(), "IllegalStateException: out of luck", true);
            first.aggregator.handle(failure);
            second.aggregator.handle(failure); // a redelivered failure changes nothing
        }
        var job = jobs.find(jobId).orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.FAILED);
        assertThat(job.error())
                .isEqualTo("shard 0 (rows 0..3) failed after 2 attempts: IllegalStateException: out of luck");
        assertThat(lanes.take(jobId)).isEmpty();
        assertThat(events(jobId, "io.shardflow.job.failed")).isEqualTo(1);
    }

    @Test
    void aShardHandedBackByAStoppingWorkerRunsAgainWithoutUsingUpAnAttempt() {
        var model = UUID.randomUUID();
        models.createSeeded(model, TENANT, "linear", new LinearArchitecture(1, 1), 1);
        var spec = new JobSpec(
                JobType.INFERENCE,
                new JobSpec.ModelRef(model),
                null,
                new JobInput(null, List.of(new float[] {1}, new float[] {2})),
                null,
                new JobSpec.Parallelism(Strategy.DATA, 1),
                null,
                null,
                1);
        var jobId = submit(spec);
        for (int attempt = 1; attempt <= 2; attempt++) {
            var task = lanes.take(jobId).getFirst();
            assertThat(task.attempt()).isEqualTo(attempt);
            var handedBack = ShardCompleted.handedBack(task, "stopping-worker", "its worker stopped");
            first.aggregator.handle(handedBack);
            second.aggregator.handle(handedBack); // a redelivered hand-back changes nothing
            var shard = shards.list(jobId).getFirst();
            assertThat(shard.failure()).isEqualTo(ShardFailure.HANDED_BACK);
            assertThat(shard.maxAttempts()).isEqualTo(attempt + 1);
        }
        var third = lanes.take(jobId).getFirst();
        assertThat(third.attempt()).isEqualTo(3);
        second.aggregator.handle(lanes.run(third, t -> TensorCodec.encode(Tensor.matrix(2, 1, new float[] {1, 2}))));

        assertThat(jobs.find(jobId).orElseThrow().status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(events(jobId, "io.shardflow.shard.retried")).isEqualTo(2);
    }
}
