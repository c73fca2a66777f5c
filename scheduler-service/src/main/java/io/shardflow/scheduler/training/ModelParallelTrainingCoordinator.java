package io.shardflow.scheduler.training;

import io.shardflow.core.Lookup;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.core.training.Piece;
import io.shardflow.core.training.SplitSteps;
import io.shardflow.core.training.SplitTask;
import io.shardflow.core.training.TrainingMetrics;
import io.shardflow.core.training.TrainingPartial;
import io.shardflow.core.training.TrainingProgress;
import io.shardflow.db.events.JobEventLog;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.partials.ActivationStore;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.shards.NewShard;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.training.MetricsStore;
import io.shardflow.db.training.PieceStore;
import io.shardflow.db.training.TrainingStore;
import io.shardflow.scheduler.coordination.JobCoordinator;
import io.shardflow.scheduler.coordination.JobFailures;
import io.shardflow.scheduler.dispatch.Dispatcher;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Model-parallel training (TENSOR, HYBRID): drives each step's {@link SplitSteps} through its rounds. Every slice of
 * the batch (data shard × micro-batch) goes forward on its own, a round's parts merged into the next round's input
 * as soon as they are DONE, so slices overlap on the lanes; the last part's gradient of its input starts the
 * backward, whose parts' input gradients are summed into the gradient of the round before. When every slice has
 * gone back through round 0, each update group applies the optimiser to its own pieces; when every group has, the
 * step is done: the loss recorded, a checkpoint taken every N steps, the validation rows evaluated through the same
 * rounds at an epoch's end. The scheduler holds a slice's activations, never the parameters, except one parameter at
 * a time at the end, to register the trained model.
 */
public class ModelParallelTrainingCoordinator implements JobCoordinator<Plan.ModelParallelTraining> {
    private static final Logger log = LoggerFactory.getLogger(ModelParallelTrainingCoordinator.class);

    private final JobRepository jobs;
    private final ShardRepository shards;
    private final PartialStore partials;
    private final ActivationStore activations;
    private final PieceStore pieces;
    private final TrainingStore store;
    private final MetricsStore metrics;
    private final JobFailures failures;
    private final Dispatcher dispatcher;
    private final JobEventLog timeline;
    private final TrainingMeters meters;
    private final TrainedModels trained;

    ModelParallelTrainingCoordinator(
            JobRepository jobs,
            ShardRepository shards,
            PartialStore partials,
            ActivationStore activations,
            PieceStore pieces,
            TrainingStore store,
            MetricsStore metrics,
            JobFailures failures,
            Dispatcher dispatcher,
            JobEventLog timeline,
            TrainingMeters meters,
            TrainedModels trained) {
        this.jobs = jobs;
        this.shards = shards;
        this.partials = partials;
        this.activations = activations;
        this.pieces = pieces;
        this.store = store;
        this.metrics = metrics;
        this.failures = failures;
        this.dispatcher = dispatcher;
        this.timeline = timeline;
        this.meters = meters;
        this.trained = trained;
    }

    @Override
    public int totalShards(JobRow job, Plan.ModelParallelTraining plan) {
        var steps = plan.steps();
        var training = plan.training();
        long total = (long) steps.tasksPerStep() * training.totalSteps();
        if (job.spec().requireTraining().validationSplit() > 0) {
            total += (long) steps.tasksPerEvaluation() * training.epochs();
        }
        return (int) Math.min(Integer.MAX_VALUE, total);
    }

    @Override
    public void start(JobRow job, Plan.ModelParallelTraining plan) {
        jobs.recordTraining(job.id(), TrainingProgress.at(plan.training(), 0), null);
        dispatcher.startShards(firstRound(job, plan, 0, false));
    }

    @Override
    public void shardDone(JobRow job, Plan.ModelParallelTraining plan, ShardKey key) {
        var steps = plan.steps();
        if (!current(job, plan, steps, key)) {
            return; // a notice of a step the job has moved past
        }
        switch (steps.task(key.stage(), key.shardIndex())) {
            case SplitTask.Forward f ->
                forwardDone(job, plan, steps, key.step(), f.round(), f.dataShard(), f.microBatch(), f.evaluation());
            case SplitTask.Last l -> {
                if (l.evaluation()) {
                    evaluationDone(job, plan, steps, key.step());
                } else {
                    lastDone(job, plan, steps, key.step(), l.dataShard(), l.microBatch());
                }
            }
            case SplitTask.Backward b ->
                backwardDone(job, plan, steps, key.step(), b.round(), b.dataShard(), b.microBatch());
            case SplitTask.Update u -> updateDone(job, plan, steps, key.step());
        }
    }

    /** Re-drives every finished task whose notice may have been lost. */
    @Override
    public void resume(JobRow job, Plan.ModelParallelTraining plan) {
        var steps = plan.steps();
        var current = job;
        for (var key : shards.done(job.id())) {
            if (current.status() != JobStatus.RUNNING) {
                return;
            }
            if (current(current, plan, steps, key)) {
                shardDone(current, plan, key);
                // what it did may have moved the job on: the next keys are judged by its row as it is now
                current = jobs.find(job.id()).orElseThrow();
            }
        }
    }

    /** Round {@code round} of a slice merged: its input for the next round stored, the next round's parts queued. */
    private void forwardDone(
            JobRow job,
            Plan.ModelParallelTraining plan,
            SplitSteps steps,
            int step,
            int round,
            int dataShard,
            int microBatch,
            boolean evaluation) {
        int slice = steps.slice(dataShard, microBatch);
        int stage = steps.forwardStage(round, evaluation);
        var merged = mergeOutputs(job, steps, step, stage, round, slice);
        if (merged == null || !activations.put(job.id(), step, stage, slice, TensorCodec.encode(merged))) {
            return;
        }
        int from = steps.index(slice, round, 0);
        partials.deleteGroup(job.id(), step, stage, from, from + steps.parts(round));
        dispatcher.continueWith(roundOf(job, plan, steps, step, round + 1, slice, evaluation, false));
    }

    /** The last part's forward and backward of a slice: the gradient of its input starts the backward. */
    private void lastDone(
            JobRow job, Plan.ModelParallelTraining plan, SplitSteps steps, int step, int dataShard, int microBatch) {
        int slice = steps.slice(dataShard, microBatch);
        int last = steps.program().lastRound();
        var bytes = partials.readGroup(job.id(), step, steps.forwardStage(last, false), slice, slice + 1);
        if (bytes.isEmpty()) {
            return;
        }
        if (last == 0) {
            updateIfBackwardDone(job, plan, steps, step);
            return;
        }
        backTo(job, plan, steps, step, last - 1, slice, inputGradient(TrainingPartial.decode(bytes.getFirst())));
    }

    /** Round {@code round}'s backward of a slice done: its input gradients summed for the round before, or the update. */
    private void backwardDone(
            JobRow job,
            Plan.ModelParallelTraining plan,
            SplitSteps steps,
            int step,
            int round,
            int dataShard,
            int microBatch) {
        int slice = steps.slice(dataShard, microBatch);
        int stage = steps.backwardStage(round);
        int from = steps.index(slice, round, 0);
        int parts = steps.parts(round);
        if (round == 0) {
            if (shards.countDone(job.id(), step, stage, from, from + parts) == parts) {
                updateIfBackwardDone(job, plan, steps, step);
            }
            return;
        }
        var done = unmerged(job, step, stage, from, parts);
        if (done == null) {
            return;
        }
        var gradients = new ArrayList<Tensor>();
        for (var partial : decoded(done)) {
            gradients.add(Tensor.vector(inputGradient(partial)));
        }
        if (backTo(
                job,
                plan,
                steps,
                step,
                round - 1,
                slice,
                TensorCodec.sum(gradients).data())) {
            partials.deleteGroup(job.id(), step, stage, from, from + parts);
        }
    }

    /** Stores the gradient of round {@code round}'s output for a slice and queues that round's backward. */
    private boolean backTo(
            JobRow job, Plan.ModelParallelTraining plan, SplitSteps steps, int step, int round, int slice, float[] g) {
        int width = steps.program().outputs(round);
        var gradient = Tensor.matrix(g.length / width, width, g);
        if (!activations.put(job.id(), step, steps.backwardStage(round), slice, TensorCodec.encode(gradient))) {
            return false;
        }
        dispatcher.continueWith(roundOf(job, plan, steps, step, round, slice, false, true));
        return true;
    }

    /** Once every slice has gone back through round 0, each update group applies the optimiser to its pieces. */
    private void updateIfBackwardDone(JobRow job, Plan.ModelParallelTraining plan, SplitSteps steps, int step) {
        int last = steps.program().lastRound();
        int lastTasks = steps.slices();
        if (shards.countDone(job.id(), step, steps.forwardStage(last, false), 0, lastTasks) < lastTasks) {
            return;
        }
        if (last > 0) {
            int backward = steps.slices() * steps.parts(0);
            if (shards.countDone(job.id(), step, steps.backwardStage(0), 0, backward) < backward) {
                return;
            }
        }
        var rows = new ArrayList<NewShard>();
        for (int g = 0; g < steps.program().groups(); g++) {
            rows.add(Dispatcher.shard(
                    job,
                    plan,
                    new ShardKey(job.id(), step, steps.updateStage(), g),
                    plan.shards().getFirst()));
        }
        dispatcher.continueWith(rows);
    }

    /** Every group has updated its pieces: the step is done. */
    private void updateDone(JobRow job, Plan.ModelParallelTraining plan, SplitSteps steps, int step) {
        int groups = steps.program().groups();
        if (shards.countDone(job.id(), step, steps.updateStage(), 0, groups) < groups
                || !jobs.transition(job.id(), JobStatus.RUNNING, JobStatus.AGGREGATING)) {
            return;
        }
        var totals = TrainingPartial.totals(decoded(partials.readGroup(
                job.id(), step, steps.forwardStage(steps.program().lastRound(), false), 0, steps.slices())));
        partials.deleteStep(job.id(), step);
        activations.deleteStep(job.id(), step);
        pieces.deleteGradients(job.id(), step);
        double loss = totals.meanLoss();
        var training = plan.training();
        int end = step + 1;
        if (!Double.isFinite(loss)) {
            failures.fail(
                    job,
                    "training diverged at step " + end + ": the loss is " + loss
                            + "; try a smaller learning rate or standardised features");
            return;
        }
        pieces.dropBefore(job.id(), end);
        metrics.recordLoss(job.id(), step, training.epochOf(step), loss, totals.samples());
        meters.merged(job.id(), plan.strategy(), 1, loss);
        if (training.checkpointsAt(step, end)) {
            pieces.checkpoint(job.id(), end);
        }
        var jobMetrics = (job.metrics() != null ? job.metrics() : TrainingMetrics.NONE).withLoss(loss);
        if (job.spec().requireTraining().validationSplit() > 0 && training.endsEpoch(step, end)) {
            jobs.recordTraining(job.id(), TrainingProgress.at(training, end), jobMetrics);
            jobs.transition(job.id(), JobStatus.AGGREGATING, JobStatus.RUNNING);
            dispatcher.continueWith(firstRound(job, plan, step, true));
            return;
        }
        next(job, plan, end, jobMetrics);
    }

    /** The evaluation of what step {@code step} made is done on every slice: record it and go on. */
    private void evaluationDone(JobRow job, Plan.ModelParallelTraining plan, SplitSteps steps, int step) {
        int stage = steps.forwardStage(steps.program().lastRound(), true);
        if (shards.countDone(job.id(), step, stage, 0, steps.slices()) < steps.slices()
                || !jobs.transition(job.id(), JobStatus.RUNNING, JobStatus.AGGREGATING)) {
            return;
        }
        var parts = decoded(partials.readGroup(job.id(), step, stage, 0, steps.slices()));
        partials.deleteStep(job.id(), step);
        activations.deleteStep(job.id(), step);
        var training = plan.training();
        var jobMetrics = Validations.record(
                metrics, job.id(), training, step, parts, job.metrics() != null ? job.metrics() : TrainingMetrics.NONE);
        next(job, plan, training.roundEnd(step), jobMetrics);
    }

    /** After version {@code version}: finish, or start the next step (from the last checkpoint if it is gone). */
    private void next(JobRow job, Plan.ModelParallelTraining plan, int version, TrainingMetrics jobMetrics) {
        var training = plan.training();
        jobs.recordTraining(job.id(), TrainingProgress.at(training, version), jobMetrics);
        var program = plan.program();
        if (pieces.count(job.id(), version) < program.pieces().size()) {
            resumeFromCheckpoint(job, plan, version);
            return;
        }
        if (version >= training.totalSteps()) {
            finish(job, plan, version, jobMetrics);
            return;
        }
        jobs.transition(job.id(), JobStatus.AGGREGATING, JobStatus.RUNNING);
        dispatcher.continueWith(firstRound(job, plan, version, false));
    }

    /** Version {@code version} is incomplete: replay from the last checkpoint, whose pieces are copied back. */
    private void resumeFromCheckpoint(JobRow job, Plan.ModelParallelTraining plan, int version) {
        var checkpoint = pieces.latestCheckpoint(job.id());
        if (checkpoint.isEmpty()) {
            failures.fail(job, "parameter version " + version + " is incomplete and the job has no checkpoint");
            return;
        }
        int step = checkpoint.getAsInt();
        store.rewindTo(job.id(), step);
        store.rewindActivations(job.id(), step);
        pieces.restore(job.id(), step);
        log.info(
                "training job {} resumes from the checkpoint at step {} (version {} is incomplete)",
                job.id(),
                step,
                version);
        timeline.append(job.id(), "io.shardflow.job.resumed", "resumed from the checkpoint at step " + step);
        jobs.recordTraining(job.id(), TrainingProgress.at(plan.training(), step), null);
        jobs.transition(job.id(), JobStatus.AGGREGATING, JobStatus.RUNNING);
        dispatcher.continueWith(firstRound(job, plan, step, false));
    }

    /**
     * Registers the model, each parameter assembled from its pieces of the last version as it is stored: the
     * scheduler holds one parameter at a time, never the whole model.
     */
    private void finish(JobRow job, Plan.ModelParallelTraining plan, int version, TrainingMetrics jobMetrics) {
        var training = plan.training();
        var program = plan.program();
        var shapes = training.architecture().parameterShapes();
        meters.ended(job.id());
        trained.register(
                job,
                training,
                name -> assemble(job, version, Lookup.required(shapes, name), program.piecesOf(name)),
                jobMetrics,
                version);
        pieces.dropBefore(job.id(), Integer.MAX_VALUE);
    }

    /** One parameter of version {@code version}, pasted together from its pieces. */
    private Tensor assemble(JobRow job, int version, int[] shape, List<Piece> parts) {
        var whole = new Tensor(shape, new float[Math.toIntExact(Tensor.elementCount(shape))]);
        var data = pieces.data(job.id(), version, parts.stream().map(Piece::id).toList());
        for (var piece : parts) {
            byte[] bytes = data.get(piece.id());
            if (bytes == null) {
                throw new IllegalStateException("piece " + piece.id() + " of version " + version + " is missing");
            }
            piece.paste(TensorCodec.decode(bytes).data(), whole.data(), shape.length == 2 ? shape[1] : 1);
        }
        return whole;
    }

    /** The merged outputs of a slice's round, or null until all its parts are DONE (or after they were merged). */
    private @Nullable Tensor mergeOutputs(JobRow job, SplitSteps steps, int step, int stage, int round, int slice) {
        var done = unmerged(job, step, stage, steps.index(slice, round, 0), steps.parts(round));
        if (done == null) {
            return null;
        }
        var outputs = new ArrayList<Tensor>();
        for (byte[] b : done) {
            outputs.add(TensorCodec.decode(b));
        }
        return switch (steps.program().rounds().get(round).merge()) {
            case SUM -> TensorCodec.sum(outputs);
            case PASS -> outputs.getFirst();
            case CONCAT -> throw new IllegalStateException("a training round's parts are never concatenated");
        };
    }

    /**
     * The partials of a slice's round, shard indexes {@code [from, from + parts)}, once every part is DONE; null
     * before that, and after an earlier notice merged (and deleted) them.
     */
    private @Nullable List<byte[]> unmerged(JobRow job, int step, int stage, int from, int parts) {
        if (shards.countDone(job.id(), step, stage, from, from + parts) < parts) {
            return null;
        }
        var bytes = partials.readGroup(job.id(), step, stage, from, from + parts);
        return bytes.size() < parts ? null : bytes;
    }

    private static List<TrainingPartial> decoded(List<byte[]> bytes) {
        return bytes.stream().map(TrainingPartial::decode).toList();
    }

    /** The gradient of a part's input it returned: none from a slice without rows. */
    private static float[] inputGradient(TrainingPartial partial) {
        return partial.tensors().length == 0 ? new float[0] : partial.tensors()[0];
    }

    /** Round 0 of every slice, forward: a step's start, or an evaluation's. */
    private static List<NewShard> firstRound(
            JobRow job, Plan.ModelParallelTraining plan, int step, boolean evaluation) {
        var steps = plan.steps();
        var rows = new ArrayList<NewShard>();
        for (int slice = 0; slice < steps.slices(); slice++) {
            rows.addAll(roundOf(job, plan, steps, step, 0, slice, evaluation, false));
        }
        return rows;
    }

    /** The parts of round {@code round} for one slice, forward or backward. */
    private static List<NewShard> roundOf(
            JobRow job,
            Plan.ModelParallelTraining plan,
            SplitSteps steps,
            int step,
            int round,
            int slice,
            boolean evaluation,
            boolean backward) {
        int stage = backward ? steps.backwardStage(round) : steps.forwardStage(round, evaluation);
        var range = plan.shards().get(slice / steps.microBatches());
        var rows = new ArrayList<NewShard>();
        for (int part = 0; part < steps.parts(round); part++) {
            rows.add(Dispatcher.shard(
                    job, plan, new ShardKey(job.id(), step, stage, steps.index(slice, round, part)), range));
        }
        return rows;
    }

    /**
     * Whether {@code key} belongs to the step the job is on: compute and update tasks run from the parameters of
     * the steps applied so far, an evaluation checks what the last step made.
     */
    private static boolean current(JobRow job, Plan.ModelParallelTraining plan, SplitSteps steps, ShardKey key) {
        int applied = job.progress() == null ? 0 : job.progress().step();
        return steps.evaluates(key.stage()) ? plan.training().roundEnd(key.step()) == applied : key.step() == applied;
    }
}
