package io.shardflow.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shardflow.core.datasets.DatasetFormat;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.models.LinearArchitecture;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.models.ModelTiles;
import io.shardflow.db.partials.PartialStore;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.shards.ShardKey;
import io.shardflow.db.usage.TenantUsage;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Models registered from a seed: written a batch of tiles per transaction, seen by no reader until complete, and
 * gone without a trace when stopped midway or left by a dead process; and what a tenant stores, summed.
 */
class ModelRegistrationIT {
    private static final ExecutorService READ_AHEAD = Executors.newVirtualThreadPerTaskExecutor();
    private final TestDatabase db = TestDatabase.get();
    private final ModelRepository models = new ModelRepository(db.jdbc, db.template);
    private final DatasetRepository datasets = new DatasetRepository(db.jdbc, db.template, READ_AHEAD);
    private final JobRepository jobs = new JobRepository(db.jdbc, Clock.systemUTC());
    private final PartialStore partials = new PartialStore(db.jdbc, db.template);
    private final ResultStore results = new ResultStore(db.jdbc, db.template, partials);
    private final TenantUsage usage = new TenantUsage(db.jdbc);

    @AfterAll
    static void closeReadAhead() {
        READ_AHEAD.close();
    }

    private long count(String sql, Object... args) {
        return db.jdbc.sql(sql).params(args).query(Long.class).single();
    }

    @Test
    void aSeededGptIsCommittedBatchByBatchAndSeenOnlyOnceComplete() {
        // 2 blocks of dModel 640: the 2560 x 640 MLP weights alone are 5 x 2 tiles each
        var architecture = new GptArchitecture(2, 2, 640, 64);
        var id = UUID.randomUUID();
        String tenant = "seeded-" + id;
        var committed = new ArrayList<Long>();
        models.createSeeded(id, tenant, "gpt", architecture, 7, () -> {
            // another connection sees each batch committed, and no reader sees the model yet
            committed.add(count("select count(*) from model_tiles where model_id = ?", id));
            assertThat(models.find(id)).isEmpty();
            assertThat(models.list(tenant, 0, 10)).isEmpty();
        });

        long tiles = count("select count(*) from model_tiles where model_id = ?", id);
        assertThat(committed).hasSizeGreaterThan(2).isSorted().endsWith(tiles);
        for (int i = 1; i < committed.size(); i++) {
            assertThat(committed.get(i) - committed.get(i - 1)).isBetween(1L, (long) ModelTiles.BATCH);
        }
        var model = models.find(id).orElseThrow();
        assertThat(models.list(tenant, 0, 10)).hasSize(1);
        var named = models.loadNamed(model);
        assertThat(named.keySet())
                .containsExactlyElementsOf(architecture.parameterShapes().keySet());
        assertThat(named.get("blocks.1.ln2.weight").data()).containsOnly(1f);
        assertThat(named.get("blocks.0.mlp.fc.bias").data()).containsOnly(0f);
        float[] fc = named.get("blocks.0.mlp.fc.weight").data();
        double squares = 0;
        for (float v : fc) {
            squares += v * v;
        }
        assertThat(Math.sqrt(squares / fc.length)).isBetween(0.019, 0.021);

        var again = UUID.randomUUID();
        models.createSeeded(again, tenant, "gpt", architecture, 7);
        float[] fcAgain = models.loadNamed(models.find(again).orElseThrow())
                .get("blocks.0.mlp.fc.weight")
                .data();
        // Arrays.equals, not containsExactly, whose diff of 1.6 M values would take minutes
        assertThat(Arrays.equals(fcAgain, fc))
                .as("the same seed gives the same weights")
                .isTrue();
    }

    @Test
    void aRegistrationStoppedMidwayLeavesNothing() {
        var id = UUID.randomUUID();
        var batches = new int[1];
        assertThatThrownBy(() -> models.createSeeded(id, "t1", "stopped", new GptArchitecture(2, 2, 640, 64), 1, () -> {
                    if (++batches[0] == 3) {
                        throw new IllegalStateException("deadline passed");
                    }
                }))
                .hasMessage("deadline passed");

        assertThat(count("select count(*) from models where id = ?", id)).isZero();
        assertThat(count("select count(*) from model_tiles where model_id = ?", id))
                .isZero();
    }

    @Test
    void unreadyModelsOlderThanTheirAgeAreDeletedWithTheirTiles() {
        var old = UUID.randomUUID();
        var fresh = UUID.randomUUID();
        for (var id : List.of(old, fresh)) {
            db.jdbc
                    .sql("insert into models (id, tenant, name, architecture, parameter_bytes, ready, created_at) "
                            + "values (?, 't1', 'left', '{\"kind\":\"linear\",\"inputs\":1,\"outputs\":1}', 8, false, "
                            + "now() - cast(? as interval))")
                    .params(id, id == old ? "1 hour" : "1 second")
                    .update();
            new ModelTiles(db.template).write(id, "layers.0.weight", 1, 1, new float[] {1});
        }

        models.deleteUnready(Duration.ofMinutes(20));

        assertThat(count("select count(*) from models where id = ?", old)).isZero();
        assertThat(count("select count(*) from model_tiles where model_id = ?", old))
                .isZero();
        assertThat(count("select count(*) from models where id = ?", fresh)).isOne();
        models.delete(fresh);
    }

    @Test
    void aTenantsUsageSumsItsDatasetsModelsAndResults() {
        String tenant = "usage-" + UUID.randomUUID();
        assertThat(usage.bytes(tenant)).isZero();

        var table = UUID.randomUUID();
        datasets.create(table, tenant, "table", DatasetFormat.CSV, List.of("a", "b", "c"), 4);
        datasets.appendChunk(table, 0, 0, 2, new float[][] {{1, 2}, {3, 4}, {5, 6}});
        datasets.setRowCount(table, 2);
        var text = UUID.randomUUID();
        datasets.create(text, tenant, "text", DatasetFormat.TEXT, List.of("byte"), 64);
        datasets.appendBytes(text, 0, 0, new byte[10], 10);
        datasets.setRowCount(text, 10);
        models.createSeeded(UUID.randomUUID(), tenant, "linear", new LinearArchitecture(3, 2), 1);
        var stored = jobs.insert(UUID.randomUUID(), tenant, JobSpecs.anInference(), null);
        results.put(stored, new byte[100]);
        var parted = jobs.insert(UUID.randomUUID(), tenant, JobSpecs.anInference(), null);
        partials.put(new ShardKey(parted, 0, 0, 0), 1, new byte[30]);
        partials.put(new ShardKey(parted, 0, 0, 1), 1, new byte[40]);
        partials.put(new ShardKey(parted, 1, 0, 0), 1, new byte[1000]); // not the result's round
        results.putRound(parted, 0, 0);
        jobs.insert(UUID.randomUUID(), "other-" + tenant, JobSpecs.anInference(), null);

        long expected = 2 * 3 * 4 + 10 + (3 * 2 + 2) * 4 + 100 + 30 + 40;
        assertThat(usage.bytes(tenant)).isEqualTo(expected);
    }
}
