package io.shardflow.bench.scenarios;

import io.shardflow.bench.Http;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Inference jobs of a chosen size for the scheduling scenarios: an MLP [64, width, width, 10] (seeded random
 * weights) over a dataset of {@code rows} × 64 uploaded once, each job a DATA job of {@code shards} shards, so a
 * shard's time on a lane is set by the width and the rows (the scenarios measure it rather than assume it).
 */
final class SizedJobs {
    private static final Set<String> ENDED = Set.of("SUCCEEDED", "FAILED", "CANCELLED");
    private final Http api;
    private final String modelId;
    private final String datasetId;
    private final int shards;

    private SizedJobs(Http api, String modelId, String datasetId, int shards) {
        this.api = api;
        this.modelId = modelId;
        this.datasetId = datasetId;
        this.shards = shards;
    }

    /** Uploads the dataset and registers the model as the tenant of {@code api}'s key. */
    static SizedJobs create(Http api, String name, int width, long rows, int shards) {
        String datasetId = api.upload(
                        "/api/v1/datasets?name=" + name, "text/csv", () -> new InferenceWorkload.CsvRows(rows, 7))
                .get("id")
                .asString();
        String modelId = api.ok(
                        "/api/v1/models",
                        Map.of(
                                "name",
                                name,
                                "architecture",
                                Map.of("kind", "mlp", "layers", List.of(64, width, width, 10), "activation", "relu"),
                                "init",
                                Map.of("seed", 3)))
                .get("id")
                .asString();
        return new SizedJobs(api, modelId, datasetId, shards);
    }

    int shards() {
        return shards;
    }

    /**
     * Submits one job at {@code priority}; a 429 (a quota on queued jobs, or the key's rate) is waited out as its
     * {@code Retry-After} would have it and counted in {@code refusals}, so a backlog stays as large as the platform
     * admits.
     */
    String submit(int priority, int[] refusals) throws InterruptedException {
        var body = new LinkedHashMap<String, Object>();
        body.put("type", "INFERENCE");
        body.put("model", Map.of("id", modelId));
        body.put("dataset", Map.of("id", datasetId, "features", InferenceWorkload.features()));
        body.put("parallelism", Map.of("strategy", "DATA", "dataShards", shards));
        body.put("priority", priority);
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (true) {
            var response = api.post("/api/v1/jobs", body);
            if (response.status() == 202 || response.status() == 201) {
                return response.body().get("id").asString();
            }
            if (response.status() != 429 || System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "POST /api/v1/jobs answered " + response.status() + ": " + response.body());
            }
            refusals[0]++;
            Thread.sleep(500);
        }
    }

    /** Waits until every job has ended (succeeded, failed or cancelled); fails if one failed or ten minutes pass. */
    static void awaitEnded(Http api, Collection<String> jobIds) throws InterruptedException {
        long deadline = System.nanoTime() + 600_000_000_000L;
        var failed = new ArrayList<String>();
        for (String id : jobIds) {
            while (true) {
                var job = api.get("/api/v1/jobs/" + id + "?waitMs=5000").body();
                String status = job.get("status").asString();
                if (ENDED.contains(status)) {
                    if ("FAILED".equals(status)) {
                        failed.add(id + ": " + job.get("error"));
                    }
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("job " + id + " did not end in 10 minutes: " + status);
                }
            }
        }
        if (!failed.isEmpty()) {
            throw new IllegalStateException("jobs failed: " + failed);
        }
    }

    /** Cancels the jobs that have not ended and waits until all have. */
    static void cancelAll(Http api, Collection<String> jobIds) throws InterruptedException {
        for (String id : jobIds) {
            var status = api.get("/api/v1/jobs/" + id).body().get("status").asString();
            if (!ENDED.contains(status)) {
                api.post("/api/v1/jobs/" + id + "/cancel", Map.of());
            }
        }
        awaitEnded(api, jobIds);
    }
}
