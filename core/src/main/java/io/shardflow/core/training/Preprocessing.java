package io.shardflow.core.training;

import io.shardflow.core.messaging.MessageCodec;
import java.nio.charset.StandardCharsets;

/**
 * What a trained model applies to its inputs before the first layer, stored with the model as JSON
 * ({@code {"standardize":{"mean":[...],"std":[...]}}}) so inference repeats what training did.
 */
public record Preprocessing(FeatureScaling standardize) {

    public String toJson() {
        return new String(MessageCodec.encode(this), StandardCharsets.UTF_8);
    }

    /** The scaling stored in {@code json}, or null when there is none. */
    public static FeatureScaling scalingIn(String json) {
        if (json == null) {
            return null;
        }
        return MessageCodec.decode(json.getBytes(StandardCharsets.UTF_8), Preprocessing.class)
                .standardize();
    }
}
