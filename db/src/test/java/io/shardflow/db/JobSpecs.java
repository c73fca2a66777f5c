package io.shardflow.db;

import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobType;
import java.util.List;
import java.util.UUID;

/** Job requests for tests that need a job row, not a job that runs: the model and dataset need not exist. */
public final class JobSpecs {
    private JobSpecs() {}

    /** An inference over column {@code x} of some dataset with some model. */
    public static JobSpec anInference() {
        return new JobSpec(
                JobType.INFERENCE,
                new JobSpec.ModelRef(UUID.randomUUID()),
                new JobSpec.DatasetRef(UUID.randomUUID(), List.of("x")),
                null,
                null,
                null,
                null,
                null,
                null);
    }
}
