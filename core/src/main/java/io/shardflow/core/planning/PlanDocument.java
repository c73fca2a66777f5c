package io.shardflow.core.planning;

import io.shardflow.core.training.TrainingPlan;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Plan} as stored in the job row and shown by the API: one flat document whatever the kind, the kind
 * recognised from which parts it has. The only place that maps between the two.
 *
 * @param generation the rows are prompts a gpt completes, token by token
 */
public record PlanDocument(
        Strategy strategy,
        long rows,
        int dataShards,
        List<RowRange> shards,
        @Nullable TrainingPlan training,
        Plan.@Nullable ModelPlan model,
        boolean generation) {

    public static PlanDocument of(Plan plan) {
        return switch (plan) {
            case Plan.DataInference p -> inference(p, p.model(), false);
            case Plan.ModelParallelInference p -> inference(p, p.model(), false);
            case Plan.Generation p -> inference(p, p.model(), true);
            case Plan.PipelinedGeneration p -> inference(p, p.model(), true);
            case Plan.DataParallelTraining p -> training(p, p.training(), p.model());
            case Plan.ModelParallelTraining p -> training(p, p.training(), p.model());
        };
    }

    private static PlanDocument inference(Plan plan, Plan.ModelPlan model, boolean generation) {
        return new PlanDocument(
                plan.strategy(), plan.rows(), plan.dataShards(), plan.shards(), null, model, generation);
    }

    private static PlanDocument training(Plan plan, TrainingPlan training, Plan.ModelPlan model) {
        return new PlanDocument(plan.strategy(), plan.rows(), plan.dataShards(), plan.shards(), training, model, false);
    }

    /** The plan this document describes. */
    public Plan plan() {
        if (training != null) {
            if (model != null && model.strategy() != Strategy.DATA) {
                return new Plan.ModelParallelTraining(rows, shards, training, model);
            }
            return new Plan.DataParallelTraining(
                    rows, shards, training, model != null ? model : Plan.ModelPlan.whole(0, null));
        }
        var model = this.model != null ? this.model : Plan.ModelPlan.whole(0, null);
        boolean split = model.strategy() == Strategy.TENSOR || model.strategy() == Strategy.PIPELINE;
        if (generation) {
            return split ? new Plan.PipelinedGeneration(rows, model) : new Plan.Generation(rows, shards, model);
        }
        return split
                ? new Plan.ModelParallelInference(rows, shards, model)
                : new Plan.DataInference(rows, shards, model);
    }
}
