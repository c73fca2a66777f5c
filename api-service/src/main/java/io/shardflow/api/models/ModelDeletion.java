package io.shardflow.api.models;

import io.shardflow.api.errors.ConflictException;
import io.shardflow.api.errors.NotFoundException;
import io.shardflow.api.security.Audit;
import io.shardflow.api.security.Caller;
import io.shardflow.db.models.ModelRepository;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Deletes a model from the registry with its parameters, unless a job that has not ended runs it (409 naming those
 * jobs). Another tenant's model is as missing as one that does not exist. The jobs that made or used it keep their
 * results; they name a model that is gone.
 */
@Component
public class ModelDeletion {
    private final ModelRepository models;
    private final Audit audit;
    private final TransactionTemplate tx;

    ModelDeletion(ModelRepository models, Audit audit, TransactionTemplate tx) {
        this.models = models;
        this.audit = audit;
        this.tx = tx;
    }

    /** Deletes it, or throws: 404 when the caller may not see it, 409 while unfinished jobs run it. */
    public void delete(Caller caller, UUID id) {
        tx.executeWithoutResult(s -> {
            var model = models.find(id)
                    .filter(m -> caller.sees(m.tenant()))
                    .orElseThrow(() -> new NotFoundException("model", id));
            var users = models.usedByUnfinishedJobs(id);
            if (!users.isEmpty()) {
                throw new ConflictException("model " + id + " is run by jobs that have not ended: "
                        + users.stream().map(UUID::toString).collect(Collectors.joining(", "))
                        + "; cancel them or wait for them to end");
            }
            models.delete(id);
            audit.record(caller, "model.delete", model.tenant(), id.toString(), "deleted model '" + model.name() + "'");
        });
    }
}
