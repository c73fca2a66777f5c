package io.shardflow.core.training;

import io.shardflow.core.Lookup;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.tensors.TensorCodec;
import java.util.Collection;
import java.util.LinkedHashMap;

/**
 * What a training shard returns: gradients (synchronous SGD), parameters (local SGD) or nothing (evaluation),
 * with the samples it computed on, their mean loss and, for classifiers, how many it got right.
 */
public record TrainingPartial(float[][] tensors, long samples, double loss, long correct) {

    /** Partials added up: their samples, the mean of their losses weighted by samples, and how many were right. */
    public record Totals(long samples, double meanLoss, long correct) {}

    public static Totals totals(Collection<TrainingPartial> parts) {
        long samples = 0;
        double lossSum = 0;
        long correct = 0;
        for (var part : parts) {
            samples += part.samples();
            lossSum += part.loss() * part.samples();
            correct += part.correct();
        }
        return new Totals(samples, lossSum / Math.max(1, samples), correct);
    }

    public byte[] encode() {
        var bundle = new LinkedHashMap<String, Tensor>();
        bundle.put("meta", Tensor.vector(new float[] {samples, (float) loss, correct}));
        for (int i = 0; i < tensors.length; i++) {
            bundle.put("t." + i, Tensor.vector(tensors[i]));
        }
        return TensorCodec.encodeBundle(bundle);
    }

    public static TrainingPartial decode(byte[] bytes) {
        var bundle = TensorCodec.decodeBundle(bytes);
        float[] meta = Lookup.required(bundle, "meta").data();
        var tensors = new float[bundle.size() - 1][];
        for (int i = 0; i < tensors.length; i++) {
            tensors[i] = Lookup.required(bundle, "t." + i).data();
        }
        return new TrainingPartial(tensors, (long) meta[0], meta[1], (long) meta[2]);
    }
}
