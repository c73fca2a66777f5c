package io.shardflow.core.models;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What a model's outputs mean. Regression: the outputs are the prediction, trained with mean squared error.
 * Classification: one output per class (logits), trained with softmax cross-entropy on integer class labels.
 */
public enum Task {
    @JsonProperty("regression")
    REGRESSION,
    @JsonProperty("classification")
    CLASSIFICATION;

    /** Whether {@code label} names one of {@code classes} classes: an integer in {@code 0..classes-1}. */
    public static boolean isClassLabel(float label, int classes) {
        return label == Math.rint(label) && label >= 0 && label < classes;
    }
}
