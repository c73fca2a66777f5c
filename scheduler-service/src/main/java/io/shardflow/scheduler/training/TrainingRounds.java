package io.shardflow.scheduler.training;

import io.shardflow.core.Lookup;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.models.ModelParameters;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.core.training.ParameterOptimizer;
import io.shardflow.core.training.TrainingMetrics;
import io.shardflow.core.training.TrainingPartial;
import io.shardflow.core.training.TrainingProgress;
import io.shardflow.db.events.JobEventLog;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.training.MetricsStore;
import io.shardflow.db.training.TrainingStore;
import io.shardflow.scheduler.coordination.JobFailures;
import io.shardflow.scheduler.dispatch.Dispatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The parameter server of training. When a compute round completes it averages the shards' gradients weighted by
 * their samples and applies the optimiser (synchronous SGD), or averages their parameters (local SGD); stores the
 * new parameter version with the optimiser's state, records the loss, checkpoints every N steps, evaluates at
 * epoch ends, and starts the next round, or registers the trained model. All of it inside the caller's
 * transaction, with the job locked and moved RUNNING → AGGREGATING. The state it works on is read from the job's
 * rows and written back to them, so the next round may be handled by any scheduler process; this process keeps
 * what it wrote ({@link KeptStates}) and reads it again only when the stored row is no longer the one it wrote.
 */
class TrainingRounds {
    private static final Logger log = LoggerFactory.getLogger(TrainingRounds.class);

    private final JobRepository jobs;
    private final PartialStore partials;
    private final TrainingStore store;
    private final MetricsStore metrics;
    private final JobFailures failures;
    private final Dispatcher dispatcher;
    private final JobEventLog timeline;
    private final TrainingMeters meters;
    private final TrainedModels trained;
    private final KeptStates states = new KeptStates();

    TrainingRounds(
            JobRepository jobs,
            PartialStore partials,
            TrainingStore store,
            MetricsStore metrics,
            JobFailures failures,
            Dispatcher dispatcher,
            JobEventLog timeline,
            TrainingMeters meters,
            TrainedModels trained) {
        this.jobs = jobs;
        this.trained = trained;
        this.partials = partials;
        this.store = store;
        this.metrics = metrics;
        this.failures = failures;
        this.dispatcher = dispatcher;
        this.timeline = timeline;
        this.meters = meters;
    }

    /** Every shard of round {@code (step, stage)} of a data-parallel job is DONE and the job is AGGREGATING. */
    void roundCompleted(TrainingRun run, int step, int stage) {
        var training = run.training();
        var job = run.job();
        // a compute round starts from version `step`; an evaluation round checks the version its round produced
        boolean evaluation = stage == training.evaluateStage();
        var state = load(run, training.versionRead(step, stage), step, !evaluation);
        if (state == null) {
            return;
        }
        var parts = new ArrayList<TrainingPartial>();
        for (byte[] bytes : partials.readRound(job.id(), step, stage)) {
            parts.add(TrainingPartial.decode(bytes));
        }
        partials.deleteRound(job.id(), step, stage);
        if (evaluation) {
            recordValidation(run, state, step, parts);
            next(run, state);
            return;
        }
        var totals = TrainingPartial.totals(parts);
        long samples = totals.samples();
        double loss = totals.meanLoss();
        if (training.syncEvery() == 1) {
            state.optimizer.step(state.params, weightedMean(parts, samples));
        } else {
            state.params = weightedMean(parts, samples);
        }
        stepped(run, state, step, loss, samples);
    }

    /**
     * The state at {@code version}, or null after starting a resume: a version that is not stored (its rows were
     * written before optimiser state was kept with them, say) is rebuilt from the checkpoint when that is where this
     * round began, else the job replays from the checkpoint.
     */
    @Nullable
    TrainingState load(TrainingRun run, int version, int roundStart, boolean computeRound) {
        var job = run.job();
        var jobMetrics = job.metrics() != null ? job.metrics() : TrainingMetrics.NONE;
        var kept = kept(job.id(), version);
        var stored = store.stateUnless(job.id(), version, kept == null ? TrainingStore.NO_STAMP : kept.stamp);
        if (stored.isPresent()) {
            var row = stored.get();
            if (row.parameters() == null && kept != null) {
                kept.metrics = jobMetrics; // the job's row says what the metrics are
                return kept;
            }
            return state(
                    run,
                    Objects.requireNonNull(row.parameters()),
                    Objects.requireNonNull(row.optimizer()),
                    version,
                    jobMetrics,
                    row.stamp());
        }
        var checkpoint = store.latestCheckpoint(job.id())
                .orElseThrow(() -> new IllegalStateException("training job " + job.id() + " has no checkpoint"));
        if (computeRound && checkpoint.step() == roundStart) {
            // the round was computed from the checkpoint's parameters: carry on from there
            return state(
                    run,
                    checkpoint.parameters(),
                    checkpoint.optimizer(),
                    checkpoint.step(),
                    jobMetrics,
                    TrainingStore.NO_STAMP);
        }
        resume(run, checkpoint, "parameter version " + version + " is not stored");
        return null;
    }

    /** After the update of the round that began at {@code step}: store, record, checkpoint, then evaluate or go on. */
    void stepped(TrainingRun run, TrainingState state, int step, double loss, long samples) {
        var job = run.job();
        var training = run.training();
        int end = training.roundEnd(step);
        String broken = firstNotFinite(state);
        if (!Double.isFinite(loss) || broken != null) {
            failures.fail(
                    job,
                    "training diverged at step " + end + ": the loss is " + loss
                            + (broken == null ? "" : " and " + broken + " is not finite")
                            + "; try a smaller learning rate or standardised features");
            return;
        }
        state.version = end;
        state.metrics = state.metrics.withLoss(loss);
        byte[] parameters = TensorCodec.encodeBundle(ModelParameters.unflat(state.shapes, state.params));
        byte[] optimizer = TensorCodec.encodeBundle(state.optimizer.state());
        // the job lock makes an existing version impossible; if it happens, roll back rather than fork the history
        state.stamp = store.putState(job.id(), end, parameters, optimizer)
                .orElseThrow(() -> new IllegalStateException(
                        "parameter version " + end + " of job " + job.id() + " exists already"));
        store.dropParametersBefore(job.id(), end);
        metrics.recordLoss(job.id(), end - 1, training.epochOf(end - 1), loss, samples);
        meters.merged(job.id(), run.plan().strategy(), end - step, loss);
        if (training.checkpointsAt(step, end)) {
            store.checkpoint(job.id(), end, parameters, optimizer);
        }
        if (job.spec().requireTraining().validationSplit() > 0 && training.endsEpoch(step, end)) {
            recordProgress(run, state);
            jobs.transition(job.id(), JobStatus.AGGREGATING, JobStatus.RUNNING);
            startEvaluation(run, step);
            keep(run, state);
            return;
        }
        next(run, state);
    }

    /** Every job evaluates on its data shards' validation rows, whatever splits its compute. */
    private void startEvaluation(TrainingRun run, int step) {
        dispatcher.nextRound(run.job(), run.plan(), step, run.training().evaluateStage());
    }

    private TrainingState state(
            TrainingRun run,
            byte[] parameters,
            byte[] optimizerState,
            int version,
            TrainingMetrics metrics,
            long stamp) {
        var named = TensorCodec.decodeBundle(parameters);
        var optimizer = ParameterOptimizer.restore(
                run.job().spec().requireTraining(), TensorCodec.decodeBundle(optimizerState));
        return new TrainingState(named, ModelParameters.flat(named), optimizer, version, metrics, stamp);
    }

    /** The state this process kept of the job at {@code version}, taken out, or null. */
    private @Nullable TrainingState kept(UUID jobId, int version) {
        var kept = states.take(jobId);
        return kept != null && kept.version == version ? kept : null;
    }

    /** Keeps what a merge leaves for the job's next one, once the state is that of a stored row. */
    private void keep(TrainingRun run, TrainingState state) {
        if (state.stamp != TrainingStore.NO_STAMP) {
            states.keep(run.job().id(), state);
        }
    }

    /** Rebuilds the state from the last checkpoint and replays from there: the rounds after it are forgotten. */
    private void resume(TrainingRun run, TrainingStore.Checkpoint checkpoint, String why) {
        var job = run.job();
        store.rewindTo(job.id(), checkpoint.step());
        store.replaceState(job.id(), checkpoint.step(), checkpoint.parameters(), checkpoint.optimizer());
        log.info("training job {} resumes from the checkpoint at step {} ({})", job.id(), checkpoint.step(), why);
        timeline.append(
                job.id(), "io.shardflow.job.resumed", "resumed from the checkpoint at step " + checkpoint.step());
        jobs.recordTraining(job.id(), TrainingProgress.at(run.training(), checkpoint.step()), null);
        store.rewindActivations(job.id(), checkpoint.step());
        jobs.transition(job.id(), JobStatus.AGGREGATING, JobStatus.RUNNING);
        run.steps().start(checkpoint.step());
    }

    private void next(TrainingRun run, TrainingState state) {
        var training = run.training();
        recordProgress(run, state);
        if (state.version >= training.totalSteps()) {
            finish(run, state);
            return;
        }
        jobs.transition(run.job().id(), JobStatus.AGGREGATING, JobStatus.RUNNING);
        run.steps().start(state.version);
        keep(run, state);
    }

    private void finish(TrainingRun run, TrainingState state) {
        var job = run.job();
        store.dropParametersBefore(job.id(), Integer.MAX_VALUE);
        meters.ended(job.id());
        var parameters = ModelParameters.unflat(state.shapes, state.params);
        trained.register(job, run.training(), name -> Lookup.required(parameters, name), state.metrics, state.version);
    }

    /** An evaluation round's figures: the job's validation loss (and accuracy, for a classifier). */
    void recordValidation(TrainingRun run, TrainingState state, int step, List<TrainingPartial> parts) {
        state.metrics = Validations.record(metrics, run.job().id(), run.training(), step, parts, state.metrics);
    }

    private void recordProgress(TrainingRun run, TrainingState state) {
        jobs.recordTraining(run.job().id(), TrainingProgress.at(run.training(), state.version), state.metrics);
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
    private static @Nullable String firstNotFinite(TrainingState state) {
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
}
