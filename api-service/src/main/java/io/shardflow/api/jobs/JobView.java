package io.shardflow.api.jobs;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import io.shardflow.db.jobs.JobRow;
import java.time.Instant;
import java.util.UUID;

/** A job as the API shows it. */
public record JobView(UUID id, String tenant, JobType type, JobStatus status, int priority, JobSpec.ModelRef model,
                      JobSpec.DatasetRef dataset, JobSpec.Parallelism parallelism, @JsonRawValue String plan,
                      Progress progress, String error, Instant createdAt, Instant startedAt, Instant finishedAt) {

    public record Progress(int shardsDone, int shardsTotal) {
    }

    public static JobView of(JobRow job) {
        var spec = job.spec();
        return new JobView(job.id(), job.tenant(), job.type(), job.status(), job.priority(), spec.model(), spec.dataset(),
            spec.parallelism(), job.plan(), new Progress(job.shardsDone(), job.shardsTotal()), job.error(),
            job.createdAt(), job.startedAt(), job.finishedAt());
    }
}
