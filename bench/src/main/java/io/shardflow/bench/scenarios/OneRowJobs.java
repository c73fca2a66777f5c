package io.shardflow.bench.scenarios;

import io.shardflow.bench.Http;
import java.util.List;
import java.util.Map;

/**
 * The smallest inference job the platform runs: a one-input linear model over a one-row dataset in one shard, so
 * that what is measured is the platform's handling of a job, not its arithmetic.
 */
final class OneRowJobs {
    private static final List<String> UNFINISHED = List.of("QUEUED", "PLANNING", "RUNNING", "AGGREGATING");
    private final Http api;
    private final String modelId;
    private final Map<String, Object> job;

    private OneRowJobs(Http api, String modelId, Map<String, Object> job) {
        this.api = api;
        this.modelId = modelId;
        this.job = job;
    }

    /** The one-input linear model the jobs run. */
    String modelId() {
        return modelId;
    }

    /** The body of {@code POST /api/v1/jobs} that {@link #submit()} sends. */
    Map<String, Object> job() {
        return job;
    }

    /** Creates the model and the dataset, once per scenario. */
    static OneRowJobs create(Http api, String name) {
        String datasetId = api.ok("/api/v1/datasets?name=" + name, "text/csv", "x\n1\n")
                .get("id")
                .asString();
        String modelId = api.ok(
                        "/api/v1/models",
                        Map.of(
                                "name",
                                name,
                                "architecture",
                                Map.of("kind", "linear", "inputs", 1, "outputs", 1),
                                "parameters",
                                Map.of("weight", List.of(List.of(2.0)), "bias", List.of(1.0))))
                .get("id")
                .asString();
        return new OneRowJobs(
                api,
                modelId,
                Map.of(
                        "type",
                        "INFERENCE",
                        "model",
                        Map.of("id", modelId),
                        "dataset",
                        Map.of("id", datasetId, "features", List.of("x")),
                        "parallelism",
                        Map.of("strategy", "DATA", "dataShards", 1)));
    }

    /** Submits one job; fails unless it was accepted (202). */
    void submit() {
        var response = api.post("/api/v1/jobs", job);
        if (response.status() != 202) {
            throw new IllegalStateException("POST /api/v1/jobs answered " + response.status() + ": " + response.body());
        }
    }

    /** Waits until none of the tenant's jobs is waiting or running, so that the next measurement starts on an idle platform. */
    void awaitIdle() throws InterruptedException {
        while (UNFINISHED.stream().mapToLong(this::count).sum() > 0) {
            Thread.sleep(200);
        }
    }

    /** How many of the tenant's jobs are in this status: the list's total, without reading the jobs. */
    long count(String status) {
        return api.get("/api/v1/jobs?status=" + status + "&size=1")
                .body()
                .get("total")
                .asLong();
    }
}
