package io.shardflow.api.jobs;

import io.shardflow.api.errors.ConflictException;
import io.shardflow.api.errors.NotFoundException;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.db.events.JobEventPublisher;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.shards.ShardRepository;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/** Operator and client actions on a job that exists. */
@Service
public class JobControl {
    private final JobRepository jobs;
    private final ShardRepository shards;
    private final JobEventPublisher events;
    private final TransactionTemplate tx;

    public JobControl(JobRepository jobs, ShardRepository shards, JobEventPublisher events, TransactionTemplate tx) {
        this.jobs = jobs;
        this.shards = shards;
        this.events = events;
        this.tx = tx;
    }

    public JobRow find(String tenant, UUID id) {
        return jobs.find(id).filter(j -> j.tenant().equals(tenant)).orElseThrow(() -> new NotFoundException("job", id));
    }

    /** Ends the job as CANCELLED; its unfinished shards are not run. Workers drop their tasks when they see it. */
    public JobRow cancel(String tenant, UUID id) {
        return tx.execute(s -> {
            var job = find(tenant, id);
            if (!jobs.finishUnlessTerminal(id, JobStatus.CANCELLED, null)) {
                throw new ConflictException("job " + id + " already ended as " + jobs.status(id).orElseThrow());
            }
            shards.abandonUnfinished(id, "job cancelled");
            var cancelled = jobs.find(id).orElseThrow();
            events.publish(cancelled, "cancelled by request");
            return cancelled;
        });
    }
}
