package io.shardflow.core.jobs;

import static io.shardflow.core.InvalidSpecException.require;

import io.shardflow.core.planning.Strategy;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;

/**
 * What a client may ask for when it submits a job: the body of {@code POST /api/v1/jobs} and of a job-request
 * event. Server-owned fields (status, tenant, progress) are not here. Checks that need no database run in the
 * constructors; each failure names its field relative to the record that holds it (the JSON reader adds the path).
 */
public record JobSpec(JobType type, ModelRef model, DatasetRef dataset, Parallelism parallelism, Integer priority,
                      Integer maxAttempts) {
    public static final int MAX_SHARDS = 1024;
    public static final int MAX_ATTEMPTS = 10;

    public JobSpec {
        require(type != null, "type", "is required (INFERENCE or TRAINING)");
        require(model != null, "model", "is required");
        require(dataset != null, "dataset", "is required");
        parallelism = parallelism == null ? new Parallelism(Strategy.DATA, null) : parallelism;
        priority = priority == null ? 0 : priority;
        require(priority >= -100 && priority <= 100, "priority", "must be in -100..100, was " + priority);
        maxAttempts = maxAttempts == null ? 3 : maxAttempts;
        require(maxAttempts >= 1 && maxAttempts <= MAX_ATTEMPTS, "maxAttempts", "must be in 1.." + MAX_ATTEMPTS + ", was " + maxAttempts);
    }

    public record ModelRef(UUID id) {
        public ModelRef {
            require(id != null, "id", "is required");
        }
    }

    public record DatasetRef(UUID id, List<String> features) {
        public DatasetRef {
            require(id != null, "id", "is required");
            require(features != null && !features.isEmpty(), "features", "names the input columns and may not be empty");
            var seen = new HashSet<String>();
            for (int i = 0; i < features.size(); i++) {
                String f = features.get(i);
                require(f != null && !f.isBlank(), "features[" + i + "]", "may not be blank");
                require(seen.add(f), "features[" + i + "]", "repeats column '" + f + "'");
            }
            features = List.copyOf(features);
        }
    }

    /** {@code dataShards} may be left out: the scheduler then uses one shard per worker lane. */
    public record Parallelism(Strategy strategy, Integer dataShards) {
        public Parallelism {
            strategy = strategy == null ? Strategy.DATA : strategy;
            require(dataShards == null || (dataShards >= 1 && dataShards <= MAX_SHARDS), "dataShards",
                "must be in 1.." + MAX_SHARDS + ", was " + dataShards);
        }
    }
}
