package io.shardflow.api.dashboard;

import io.shardflow.core.Lookup;
import io.shardflow.db.models.ModelRow;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A model as the models page shows it: its version among the tenant's models of the same name (v1 the oldest), its
 * lineage (the job that trained it, the dataset it learned from) and its final figures in columns of their own.
 */
public record ModelLine(
        String id,
        String name,
        String tenant,
        int version,
        int versions,
        String architecture,
        String bytes,
        @Nullable String sourceJobId,
        @Nullable String sourceDatasetId,
        @Nullable String sourceDatasetName,
        String loss,
        String validationLoss,
        String validationAccuracy,
        String created) {

    /** The page's models, each with its version counted among those listed of its tenant and name. */
    static List<ModelLine> of(List<ModelRow> models, Map<UUID, String> datasetNames) {
        var byName = new HashMap<String, List<ModelRow>>();
        for (var model : models) {
            byName.computeIfAbsent(model.tenant() + "\u0000" + model.name(), k -> new ArrayList<>())
                    .add(model);
        }
        byName.values().forEach(same -> same.sort(Comparator.comparing(ModelRow::createdAt)));
        var lines = new ArrayList<ModelLine>(models.size());
        for (var model : models) {
            var same = Lookup.required(byName, model.tenant() + "\u0000" + model.name());
            var metrics = model.metrics();
            var dataset = model.sourceDatasetId();
            lines.add(new ModelLine(
                    model.id().toString(),
                    model.name(),
                    model.tenant(),
                    same.indexOf(model) + 1,
                    same.size(),
                    model.architecture().describe(),
                    WorkerLine.bytes(model.parameterBytes()),
                    model.sourceJobId() == null ? null : model.sourceJobId().toString(),
                    dataset == null ? null : dataset.toString(),
                    dataset == null ? null : datasetNames.getOrDefault(dataset, dataset.toString()),
                    figure(metrics == null ? null : metrics.loss()),
                    figure(metrics == null ? null : metrics.validationLoss()),
                    figure(metrics == null ? null : metrics.validationAccuracy()),
                    model.createdAt().toString()));
        }
        return lines;
    }

    private static String figure(@Nullable Double value) {
        return value == null ? "—" : String.format(Locale.ROOT, "%.4g", value);
    }
}
