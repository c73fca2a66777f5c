package io.shardflow.db.models;

import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.models.DenseLayer;
import io.shardflow.core.models.ModelArchitecture;
import io.shardflow.core.tensors.TensorCodec;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

/** The model registry: descriptors plus one binary tensor per parameter ({@code layers.<i>.weight|bias}). */
public class ModelRepository {
    private static final String COLUMNS = "id, tenant, name, architecture::text as architecture, parameter_bytes, "
        + "source_job_id, source_dataset_id, metrics::text as metrics, preprocessing::text as preprocessing, created_at";

    /** Where a trained model came from and what it learnt besides its parameters. */
    public record Lineage(UUID sourceJobId, UUID sourceDatasetId, String metricsJson, String preprocessingJson) {
        public static final Lineage NONE = new Lineage(null, null, null, null);
    }

    private final JdbcClient jdbc;
    private final JdbcTemplate template;

    public ModelRepository(JdbcClient jdbc, JdbcTemplate template) {
        this.jdbc = jdbc;
        this.template = template;
    }

    public void create(UUID id, String tenant, String name, ModelArchitecture architecture, List<DenseLayer> layers,
                       Lineage lineage) {
        jdbc.sql("insert into models (id, tenant, name, architecture, parameter_bytes, source_job_id, source_dataset_id, "
                + "metrics, preprocessing) values (?, ?, ?, cast(? as jsonb), ?, ?, ?, cast(? as jsonb), cast(? as jsonb))")
            .params(id, tenant, name, new String(MessageCodec.encode(architecture), StandardCharsets.UTF_8),
                architecture.parameterBytes(), lineage.sourceJobId(), lineage.sourceDatasetId(), lineage.metricsJson(),
                lineage.preprocessingJson())
            .update();
        var rows = new ArrayList<Object[]>(layers.size() * 2);
        for (int i = 0; i < layers.size(); i++) {
            rows.add(new Object[] {id, "layers." + i + ".weight", TensorCodec.encode(layers.get(i).weight())});
            rows.add(new Object[] {id, "layers." + i + ".bias", TensorCodec.encode(layers.get(i).bias())});
        }
        template.batchUpdate("insert into model_tensors (model_id, name, data) values (?, ?, ?)", rows);
    }

    public Optional<ModelRow> find(UUID id) {
        return jdbc.sql("select " + COLUMNS + " from models where id = ?").param(id).query(ModelRepository::map).optional();
    }

    public List<ModelRow> list(String tenant, int page, int size) {
        return jdbc.sql("select " + COLUMNS + " from models where (cast(? as text) is null or tenant = ?) "
                + "order by created_at desc, id limit ? offset ?")
            .params(tenant, tenant, size, (long) page * size).query(ModelRepository::map).list();
    }

    /** Every layer's parameters, in layer order. */
    public List<DenseLayer> loadLayers(ModelRow model) {
        var tensors = new HashMap<String, byte[]>();
        jdbc.sql("select name, data from model_tensors where model_id = ?").param(model.id())
            .query(rs -> {
                tensors.put(rs.getString(1), rs.getBytes(2));
            });
        var layers = new ArrayList<DenseLayer>();
        for (int i = 0; i < model.architecture().layerCount(); i++) {
            byte[] w = tensors.get("layers." + i + ".weight");
            byte[] b = tensors.get("layers." + i + ".bias");
            if (w == null || b == null) {
                throw new IllegalStateException("model " + model.id() + " lacks the parameters of layer " + i);
            }
            layers.add(new DenseLayer(TensorCodec.decode(w), TensorCodec.decode(b)));
        }
        return layers;
    }

    private static ModelRow map(ResultSet rs, int row) throws SQLException {
        return new ModelRow(rs.getObject("id", UUID.class), rs.getString("tenant"), rs.getString("name"),
            MessageCodec.decode(rs.getBytes("architecture"), ModelArchitecture.class), rs.getLong("parameter_bytes"),
            rs.getObject("source_job_id", UUID.class), rs.getObject("source_dataset_id", UUID.class),
            rs.getString("metrics"), rs.getString("preprocessing"), rs.getTimestamp("created_at").toInstant());
    }
}
