package io.shardflow.core.training;

/**
 * The shard keys of a model-parallel training step, {@code (step, stage, shardIndex)}, for a program of {@code R}
 * rounds over {@code dataShards × microBatches} slices of the batch:
 *
 * <ul>
 *   <li>stage {@code r < R}: round r forward (r = R-1: the last part's forward, loss and backward);</li>
 *   <li>stage {@code R + r}, {@code r < R-1}: round r backward;</li>
 *   <li>stage {@code 2R - 1}: the update, shard index = group;</li>
 *   <li>stage {@code 2R + r}: round r forward on the validation rows, evaluating what the step made.</li>
 * </ul>
 * A round's shard index is {@code slice × parts + part}, with {@code slice = dataShard × microBatches + microBatch}.
 */
public record SplitSteps(TrainingProgram program, int dataShards, int microBatches) {

    public SplitSteps {
        if (dataShards < 1 || microBatches < 1) {
            throw new IllegalArgumentException("need at least one data shard and one micro-batch");
        }
    }

    public int rounds() {
        return program.rounds().size();
    }

    /** How many slices of the batch go through the rounds: data shards × micro-batches. */
    public int slices() {
        return dataShards * microBatches;
    }

    public int updateStage() {
        return 2 * rounds() - 1;
    }

    public int firstEvaluationStage() {
        return 2 * rounds();
    }

    public boolean evaluates(int stage) {
        return stage >= firstEvaluationStage();
    }

    public int parts(int round) {
        return program.rounds().get(round).parts().size();
    }

    public int slice(int dataShard, int microBatch) {
        return dataShard * microBatches + microBatch;
    }

    public int forwardStage(int round, boolean evaluation) {
        return (evaluation ? firstEvaluationStage() : 0) + round;
    }

    public int backwardStage(int round) {
        return rounds() + round;
    }

    public int index(int slice, int round, int part) {
        return slice * parts(round) + part;
    }

    /** The task of key {@code (·, stage, shardIndex)}. */
    public SplitTask task(int stage, int shardIndex) {
        int r = rounds();
        if (stage == updateStage()) {
            if (shardIndex >= program.groups()) {
                throw new IllegalArgumentException("no group " + shardIndex);
            }
            return new SplitTask.Update(shardIndex);
        }
        boolean evaluation = evaluates(stage);
        boolean backward = !evaluation && stage >= r;
        int round = evaluation ? stage - firstEvaluationStage() : backward ? stage - r : stage;
        if (round < 0 || round >= (backward ? r - 1 : r)) {
            throw new IllegalArgumentException("no training stage " + stage + " in a program of " + r + " rounds");
        }
        int parts = parts(round);
        int slice = shardIndex / parts;
        int part = shardIndex % parts;
        if (slice >= slices()) {
            throw new IllegalArgumentException("no slice " + slice + " of " + slices());
        }
        int dataShard = slice / microBatches;
        int microBatch = slice % microBatches;
        if (backward) {
            return new SplitTask.Backward(round, part, dataShard, microBatch);
        }
        if (round == r - 1) {
            return new SplitTask.Last(dataShard, microBatch, evaluation);
        }
        return new SplitTask.Forward(round, part, dataShard, microBatch, evaluation);
    }

    /** Tasks one step runs: every round forward and backward on every slice, and the update. */
    public int tasksPerStep() {
        int tasks = program.groups();
        for (int round = 0; round < rounds(); round++) {
            tasks += slices() * parts(round) * (round == rounds() - 1 ? 1 : 2);
        }
        return tasks;
    }

    /** Tasks one evaluation runs. */
    public int tasksPerEvaluation() {
        int tasks = 0;
        for (int round = 0; round < rounds(); round++) {
            tasks += slices() * parts(round);
        }
        return tasks;
    }
}
