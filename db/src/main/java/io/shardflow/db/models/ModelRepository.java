package io.shardflow.db.models;

import io.shardflow.core.Lookup;
import io.shardflow.core.models.DenseArchitecture;
import io.shardflow.core.models.DenseLayer;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.models.ModelParameters;
import io.shardflow.core.tensors.Tensor;
import io.shardflow.core.training.Preprocessing;
import io.shardflow.core.training.TiledInit;
import io.shardflow.core.training.TrainingMetrics;
import io.shardflow.db.jdbc.JsonColumns;
import io.shardflow.db.jdbc.SqlArgs;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The model registry: descriptors plus named parameters ({@code layers.<i>.weight}, {@code blocks.<i>.…}) stored as tiles. */
public class ModelRepository {
    private static final String COLUMNS = "id, tenant, name, architecture::text as architecture, parameter_bytes, "
            + "source_job_id, source_dataset_id, metrics::text as metrics, preprocessing::text as preprocessing, created_at";

    /** Where a trained model came from and what it learnt besides its parameters. */
    public record Lineage(
            @Nullable UUID sourceJobId,
            @Nullable UUID sourceDatasetId,
            @Nullable TrainingMetrics metrics,
            @Nullable Preprocessing preprocessing) {
        public static final Lineage NONE = new Lineage(null, null, null, null);
    }

    private final JdbcClient jdbc;
    private final ModelTiles tiles;

    public ModelRepository(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.tiles = new ModelTiles(template);
    }

    public void create(
            UUID id,
            String tenant,
            String name,
            ModelArchitecture architecture,
            List<DenseLayer> layers,
            Lineage lineage) {
        create(id, tenant, name, architecture, ModelParameters.named(layers), lineage);
    }

    /** Registers a model from its named parameters, one for each the architecture has; a vector is an n×1 matrix. */
    public void create(
            UUID id,
            String tenant,
            String name,
            ModelArchitecture architecture,
            Map<String, Tensor> parameters,
            Lineage lineage) {
        create(id, tenant, name, architecture, parameter -> Lookup.required(parameters, parameter), lineage);
    }

    /**
     * Registers a model a parameter at a time, in {@link ModelArchitecture#parameterShapes()} order: {@code parameter}
     * makes each one as it is stored, so whoever keeps none of them holds one parameter at a time, never the whole
     * model. Call in a transaction: the model is seen with all its parameters or not at all.
     */
    public void create(
            UUID id,
            String tenant,
            String name,
            ModelArchitecture architecture,
            Function<String, Tensor> parameter,
            Lineage lineage) {
        insertRow(id, tenant, name, architecture, lineage, true);
        for (String each : architecture.parameterShapes().keySet()) {
            var tensor = parameter.apply(each);
            int[] shape = tensor.shape();
            tiles.write(id, each, shape[0], shape.length == 2 ? shape[1] : 1, tensor.data());
        }
    }

    /**
     * Registers a model from its architecture alone, with seeded random weights ({@link TiledInit}): how models too
     * large for a JSON body are made. See {@link #createSeeded(UUID, String, String, ModelArchitecture, long,
     * Runnable)}.
     */
    public void createSeeded(UUID id, String tenant, String name, ModelArchitecture architecture, long seed) {
        createSeeded(id, tenant, name, architecture, seed, () -> {});
    }

    /**
     * Registers a model from its architecture alone, generated and stored a tile at a time: memory holds one batch
     * of tiles, and outside a transaction each batch commits on its own. The model stays unready, seen by no
     * {@link #find} or {@link #list}, until its last tile is in. {@code checkpoint} runs after every batch and stops
     * the registration by throwing (a deadline, say); whatever stops it, the rows written so far are deleted before
     * the exception goes on. Rows left by a process that died midway are {@link #deleteUnready deleted} later.
     */
    public void createSeeded(
            UUID id, String tenant, String name, ModelArchitecture architecture, long seed, Runnable checkpoint) {
        insertRow(id, tenant, name, architecture, Lineage.NONE, false);
        try {
            var shapes = architecture.parameterShapes();
            for (var entry : TiledInit.of(architecture, seed).entrySet()) {
                int[] shape = Lookup.required(shapes, entry.getKey());
                var values = entry.getValue();
                tiles.write(id, entry.getKey(), shape[0], shape.length == 2 ? shape[1] : 1, values::values, checkpoint);
            }
            jdbc.sql("update models set ready = true where id = ?").param(id).update();
        } catch (RuntimeException | Error e) {
            try {
                delete(id);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** Deletes a model and its tiles. */
    public void delete(UUID id) {
        jdbc.sql("delete from models where id = ?").param(id).update();
    }

    /** Jobs that have not ended and run this model (at most a few, to name them): it may not be deleted under them. */
    public List<UUID> usedByUnfinishedJobs(UUID id) {
        return jdbc.sql("select id from jobs where status in ('QUEUED', 'PLANNING', 'RUNNING', 'AGGREGATING') "
                        + "and spec -> 'model' ->> 'id' = ? limit 5")
                .param(id.toString())
                .query((rs, n) -> rs.getObject(1, UUID.class))
                .list();
    }

    /** Deletes the models still unready that were begun {@code age} or longer ago: registrations whose process died. */
    public int deleteUnready(Duration age) {
        // the database's clock, the one that set created_at, whichever process asks
        return jdbc.sql("delete from models where not ready and created_at < now() - make_interval(secs => ?)")
                .param(age.toMillis() / 1000.0)
                .update();
    }

    private void insertRow(
            UUID id, String tenant, String name, ModelArchitecture architecture, Lineage lineage, boolean ready) {
        jdbc.sql(
                        "insert into models (id, tenant, name, architecture, parameter_bytes, source_job_id, source_dataset_id, "
                                + "metrics, preprocessing, ready) "
                                + "values (?, ?, ?, cast(? as jsonb), ?, ?, ?, cast(? as jsonb), cast(? as jsonb), ?)")
                .params(SqlArgs.of(
                        id,
                        tenant,
                        name,
                        JsonColumns.write(architecture),
                        architecture.parameterBytes(),
                        lineage.sourceJobId(),
                        lineage.sourceDatasetId(),
                        JsonColumns.writeOrNull(lineage.metrics()),
                        JsonColumns.writeOrNull(lineage.preprocessing()),
                        ready))
                .update();
    }

    /** Rows {@code [r0, r1)} and columns {@code [c0, c1)} of layer {@code layer}'s weight. */
    public float[] weightSlice(UUID modelId, int layer, int r0, int r1, int c0, int c1) {
        return tiles.read(modelId, ModelParameters.weightOf(layer), r0, r1, c0, c1);
    }

    /** Entries {@code [r0, r1)} of layer {@code layer}'s bias. */
    public float[] biasSlice(UUID modelId, int layer, int r0, int r1) {
        return tiles.read(modelId, ModelParameters.biasOf(layer), r0, r1, 0, 1);
    }

    /** The names of these models (those that exist), in one read: for lists that name what each job used. */
    public java.util.Map<UUID, String> names(java.util.Collection<UUID> ids) {
        var names = new java.util.HashMap<UUID, String>();
        if (ids.isEmpty()) {
            return names;
        }
        jdbc.sql("select id, name from models where id = any(?)")
                .param(ids.toArray(UUID[]::new))
                .query(rs -> {
                    names.put(rs.getObject(1, UUID.class), rs.getString(2));
                });
        return names;
    }

    public Optional<ModelRow> find(UUID id) {
        return jdbc.sql("select " + COLUMNS + " from models where id = ? and ready")
                .param(id)
                .query(ModelRepository::map)
                .optional();
    }

    /** A page of the tenant's models, newest first; a null {@code tenant} lists every tenant's (operators). */
    public List<ModelRow> list(@Nullable String tenant, int page, int size) {
        return jdbc.sql("select " + COLUMNS + " from models where ready and (cast(? as text) is null or tenant = ?) "
                        + "order by created_at desc, id limit ? offset ?")
                .params(SqlArgs.of(tenant, tenant, size, (long) page * size))
                .query(ModelRepository::map)
                .list();
    }

    /** Every parameter of the model, named, in the architecture's order. */
    public Map<String, Tensor> loadNamed(ModelRow model) {
        return loadNamed(model, model.architecture().parameterShapes().keySet());
    }

    /** The named parameters of {@code names} only: what a pipeline stage holds. */
    public Map<String, Tensor> loadNamed(ModelRow model, Collection<String> names) {
        var shapes = model.architecture().parameterShapes();
        var named = new LinkedHashMap<String, Tensor>();
        for (String name : names) {
            int[] shape = Lookup.required(shapes, name);
            int cols = shape.length == 2 ? shape[1] : 1;
            named.put(name, new Tensor(shape, tiles.read(model.id(), name, 0, shape[0], 0, cols)));
        }
        return named;
    }

    /** Every layer's parameters, in layer order. */
    public List<DenseLayer> loadLayers(ModelRow model) {
        var widths = ((DenseArchitecture) model.architecture()).widths();
        var layers = new ArrayList<DenseLayer>();
        for (int l = 0; l + 1 < widths.size(); l++) {
            int in = widths.get(l);
            int out = widths.get(l + 1);
            layers.add(new DenseLayer(
                    Tensor.matrix(out, in, weightSlice(model.id(), l, 0, out, 0, in)),
                    Tensor.vector(biasSlice(model.id(), l, 0, out))));
        }
        return layers;
    }

    private static ModelRow map(ResultSet rs, int row) throws SQLException {
        return new ModelRow(
                rs.getObject("id", UUID.class),
                rs.getString("tenant"),
                rs.getString("name"),
                JsonColumns.read(rs.getString("architecture"), ModelArchitecture.class),
                rs.getLong("parameter_bytes"),
                rs.getObject("source_job_id", UUID.class),
                rs.getObject("source_dataset_id", UUID.class),
                JsonColumns.readOrNull(rs.getString("metrics"), TrainingMetrics.class),
                JsonColumns.readOrNull(rs.getString("preprocessing"), Preprocessing.class),
                rs.getTimestamp("created_at").toInstant());
    }
}
