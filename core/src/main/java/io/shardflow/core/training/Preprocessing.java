package io.shardflow.core.training;

import org.jspecify.annotations.Nullable;

/**
 * What a trained model applies to its inputs before the first layer, stored with the model as JSON
 * ({@code {"standardize":{"mean":[...],"std":[...]}}}) so inference repeats what training did.
 */
public record Preprocessing(@Nullable FeatureScaling standardize) {

    /** The scaling that {@code preprocessing} applies, or null when there is none. */
    public static @Nullable FeatureScaling scalingOf(@Nullable Preprocessing preprocessing) {
        return preprocessing == null ? null : preprocessing.standardize();
    }
}
