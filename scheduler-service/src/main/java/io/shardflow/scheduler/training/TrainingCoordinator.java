package io.shardflow.scheduler.training;

import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.models.ModelParameters;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.core.training.ParameterOptimizer;
import io.shardflow.core.training.Preprocessing;
import io.shardflow.core.training.TrainingPartial;
import io.shardflow.core.training.TrainingPlan;
import io.shardflow.db.events.JobEventLog;
import io.shardflow.db.events.JobEventPublisher;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.partials.ActivationStore;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.training.MetricsStore;
import io.shardflow.db.training.TrainingStore;
import io.shardflow.scheduler.dispatch.Dispatcher;
import io.shardflow.scheduler.dispatch.ShardRecovery;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parameter server of data-parallel training. When a compute round completes it averages the shards'
 * gradients weighted by their samples and applies the optimiser (synchronous SGD), or averages their parameters
 * (local SGD); stores the new parameter version, records the loss, checkpoints every N steps, evaluates at epoch
 * ends, and dispatches the next round, or registers the trained model. All of it inside the caller's transaction,
 * after the job moved RUNNING → AGGREGATING.
 */
public class TrainingCoordinator {
    private static final Logger log = LoggerFactory.getLogger(TrainingCoordinator.class);

    private final JobRepository jobs;
    private final PartialStore partials;
    private final TrainingStore store;
    private final MetricsStore metrics;
    private final ModelRepository models;
    private final Dispatcher dispatcher;
    private final ShardRecovery recovery;
    private final JobEventPublisher events;
    private final JobEventLog timeline;
    private final Map<UUID, TrainingState> states = new ConcurrentHashMap<>();
    private final PipelineTraining pipeline;

    public TrainingCoordinator(
            JobRepository jobs,
            ShardRepository shards,
            PartialStore partials,
            ActivationStore activations,
            TrainingStore store,
            MetricsStore metrics,
            ModelRepository models,
            Dispatcher dispatcher,
            ShardRecovery recovery,
            JobEventPublisher events,
            JobEventLog timeline) {
        this.jobs = jobs;
        this.partials = partials;
        this.store = store;
        this.metrics = metrics;
        this.models = models;
        this.dispatcher = dispatcher;
        this.recovery = recovery;
        this.events = events;
        this.timeline = timeline;
        this.pipeline = new PipelineTraining(this, jobs, shards, partials, activations, dispatcher);
    }

    /** Every shard of round {@code (step, stage)} is DONE and the job is AGGREGATING. */
    public void roundCompleted(JobRow job, int step, int stage) {
        var plan = job.parsedPlan();
        var training = plan.training();
        // a compute round starts from version `step`; an evaluation round checks the version its round produced
        boolean evaluation = stage == training.evaluateStage();
        var state = current(job, plan, evaluation ? training.roundEnd(step) : step, step, !evaluation);
        if (state == null) {
            return;
        }
        var parts = new ArrayList<TrainingPartial>();
        for (byte[] bytes : partials.readRound(job.id(), step, stage)) {
            parts.add(TrainingPartial.decode(bytes));
        }
        partials.deleteRound(job.id(), step, stage);
        if (evaluation) {
            recordValidation(job, training, state, step, parts);
            next(job, plan, state);
            return;
        }
        long samples = parts.stream().mapToLong(TrainingPartial::samples).sum();
        double loss = parts.stream().mapToDouble(p -> p.loss() * p.samples()).sum() / Math.max(1, samples);
        if (training.syncEvery() == 1) {
            state.optimizer.step(state.params, weightedMean(parts, samples));
        } else {
            state.params = weightedMean(parts, samples);
        }
        stepped(job, plan, state, step, loss, samples);
    }

    /**
     * The working state at {@code version}, or null after starting a resume: a missing or diverging state is
     * rebuilt from the checkpoint when that is where this round began, else the job replays from the checkpoint.
     */
    TrainingState current(JobRow job, Plan plan, int version, int roundStart, boolean computeRound) {
        var state = states.get(job.id());
        if (state != null && state.version == version) {
            return state;
        }
        var checkpoint = store.latestCheckpoint(job.id())
                .orElseThrow(() -> new IllegalStateException("training job " + job.id() + " has no checkpoint"));
        if (computeRound && checkpoint.step() == roundStart) {
            // the round was computed from the checkpoint's parameters: carry on from there
            return restore(job, checkpoint);
        }
        resume(
                job,
                plan,
                checkpoint,
                state == null ? "this scheduler holds no state for the job" : "its state is at step " + state.version);
        return null;
    }

    /** After the update of the round that began at {@code step}: store, record, checkpoint, then evaluate or go on. */
    void stepped(JobRow job, Plan plan, TrainingState state, int step, double loss, long samples) {
        var training = plan.training();
        int end = training.roundEnd(step);
        String broken = firstNotFinite(state);
        if (!Double.isFinite(loss) || broken != null) {
            recovery.failJob(
                    job,
                    "training diverged at step " + end + ": the loss is " + loss
                            + (broken == null ? "" : " and " + broken + " is not finite")
                            + "; try a smaller learning rate or standardised features");
            states.remove(job.id());
            return;
        }
        state.version = end;
        state.lastLoss = loss;
        byte[] parameters = TensorCodec.encodeBundle(ModelParameters.unflat(state.shapes, state.params));
        store.putParameters(job.id(), end, parameters);
        store.dropParametersBefore(job.id(), end);
        metrics.recordLoss(job.id(), end - 1, training.epochOf(end - 1), loss, samples);
        if (crossesMultiple(step, end, training.checkpointEvery()) || end == training.totalSteps()) {
            store.checkpoint(job.id(), end, parameters, TensorCodec.encodeBundle(state.optimizer.state()));
        }
        if (job.spec().training().validationSplit() > 0 && endsEpoch(training, step, end)) {
            recordProgress(job, training, state);
            jobs.transition(job.id(), JobStatus.AGGREGATING, JobStatus.RUNNING);
            dispatcher.startRound(job, plan, step, training.evaluateStage());
            return;
        }
        next(job, plan, state);
    }

    /** Starts the compute of the step at {@code version}: one round of data shards, or a pipeline's first stage. */
    public void startCompute(JobRow job, Plan plan, int version) {
        if (plan.training().pipelined()) {
            pipeline.start(job, plan, version);
        } else {
            dispatcher.startRound(job, plan, version, TrainingPlan.COMPUTE_STAGE);
        }
    }

    private TrainingState restore(JobRow job, TrainingStore.Checkpoint checkpoint) {
        var named = TensorCodec.decodeBundle(checkpoint.parameters());
        var optimizer =
                ParameterOptimizer.restore(job.spec().training(), TensorCodec.decodeBundle(checkpoint.optimizer()));
        var state = new TrainingState(named, ModelParameters.flat(named), optimizer, checkpoint.step());
        states.put(job.id(), state);
        return state;
    }

    /** Rebuilds the state from the last checkpoint and replays from there: the rounds after it are forgotten. */
    private void resume(JobRow job, Plan plan, TrainingStore.Checkpoint checkpoint, String why) {
        store.rewindTo(job.id(), checkpoint.step());
        store.putParameters(job.id(), checkpoint.step(), checkpoint.parameters());
        restore(job, checkpoint);
        log.info("training job {} resumes from the checkpoint at step {} ({})", job.id(), checkpoint.step(), why);
        timeline.append(
                job.id(), "io.shardflow.job.resumed", "resumed from the checkpoint at step " + checkpoint.step());
        jobs.recordTraining(job.id(), TrainingProgress.json(plan.training(), checkpoint.step()), null);
        store.rewindActivations(job.id(), checkpoint.step());
        jobs.transition(job.id(), JobStatus.AGGREGATING, JobStatus.RUNNING);
        startCompute(job, plan, checkpoint.step());
    }

    private void next(JobRow job, Plan plan, TrainingState state) {
        var training = plan.training();
        recordProgress(job, training, state);
        if (state.version >= training.totalSteps()) {
            finish(job, training, state);
            return;
        }
        jobs.transition(job.id(), JobStatus.AGGREGATING, JobStatus.RUNNING);
        startCompute(job, plan, state.version);
    }

    private void finish(JobRow job, TrainingPlan training, TrainingState state) {
        var spec = job.spec();
        var modelId = UUID.randomUUID();
        String name = spec.training().resultName() != null
                ? spec.training().resultName()
                : spec.model().name() != null ? spec.model().name() : "trained by job " + job.id();
        String metricsJson = TrainingProgress.metrics(state.lastLoss, state.validationLoss, state.validationAccuracy);
        String preprocessing = training.scaling() == null ? null : new Preprocessing(training.scaling()).toJson();
        models.create(
                modelId,
                job.tenant(),
                name,
                training.architecture(),
                ModelParameters.unflat(state.shapes, state.params),
                new ModelRepository.Lineage(job.id(), spec.dataset().id(), metricsJson, preprocessing));
        jobs.recordResultModel(job.id(), modelId);
        jobs.transition(job.id(), JobStatus.AGGREGATING, JobStatus.SUCCEEDED);
        store.dropParametersBefore(job.id(), Integer.MAX_VALUE);
        states.remove(job.id());
        events.publish(
                jobs.find(job.id()).orElseThrow(), "trained model " + modelId + " after " + state.version + " steps");
    }

    private void recordValidation(
            JobRow job, TrainingPlan training, TrainingState state, int step, List<TrainingPartial> parts) {
        long samples = parts.stream().mapToLong(TrainingPartial::samples).sum();
        if (samples == 0) {
            return;
        }
        double loss = parts.stream().mapToDouble(p -> p.loss() * p.samples()).sum() / samples;
        Double accuracy = training.architecture() instanceof io.shardflow.core.models.DenseArchitecture dense
                        && dense.task() == io.shardflow.core.models.Task.CLASSIFICATION
                ? parts.stream().mapToLong(TrainingPartial::correct).sum() / (double) samples
                : null;
        int last = training.roundEnd(step) - 1;
        metrics.recordValidation(job.id(), last, training.epochOf(last), loss, accuracy);
        state.validationLoss = loss;
        state.validationAccuracy = accuracy;
    }

    private void recordProgress(JobRow job, TrainingPlan training, TrainingState state) {
        jobs.recordTraining(
                job.id(),
                TrainingProgress.json(training, state.version),
                TrainingProgress.metrics(state.lastLoss, state.validationLoss, state.validationAccuracy));
    }

    /** A pipeline task finished (stage, micro-batch) for a pipelined training job. */
    public void pipelineTaskDone(JobRow job, io.shardflow.db.shards.ShardKey key) {
        pipeline.taskDone(job, key);
    }

    /** Forgets the state of a job that ended. */
    public void forget(UUID jobId) {
        states.remove(jobId);
        pipeline.forget(jobId);
    }

    private static float[][] weightedMean(List<TrainingPartial> parts, long samples) {
        float[][] first = parts.getFirst().tensors();
        var sums = new double[first.length][];
        for (int i = 0; i < first.length; i++) {
            sums[i] = new double[first[i].length];
        }
        for (var part : parts) {
            if (part.samples() == 0) {
                continue;
            }
            for (int i = 0; i < sums.length; i++) {
                float[] t = part.tensors()[i];
                for (int j = 0; j < t.length; j++) {
                    sums[i][j] += (double) t[j] * part.samples();
                }
            }
        }
        var mean = new float[sums.length][];
        for (int i = 0; i < sums.length; i++) {
            mean[i] = new float[sums[i].length];
            for (int j = 0; j < mean[i].length; j++) {
                mean[i][j] = (float) (sums[i][j] / samples);
            }
        }
        return mean;
    }

    /** The name of the first parameter that holds a NaN or an infinity, or null. */
    private static String firstNotFinite(TrainingState state) {
        int i = 0;
        for (String name : state.shapes.keySet()) {
            for (float v : state.params[i]) {
                if (!Float.isFinite(v)) {
                    return name;
                }
            }
            i++;
        }
        return null;
    }

    private static boolean crossesMultiple(int from, int to, int every) {
        return to / every > from / every;
    }

    private static boolean endsEpoch(TrainingPlan training, int from, int to) {
        return to == training.totalSteps() || training.epochOf(to) > training.epochOf(from);
    }
}
