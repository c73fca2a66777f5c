package io.shardflow.api.limits;

import io.shardflow.db.models.ModelRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes seeded registrations that a dead process left unready. A live registration gives itself up once the
 * registration timeout passes; what is still unready at twice that age has nobody writing it.
 */
@Component
class UnreadyModels {
    private static final Logger log = LoggerFactory.getLogger(UnreadyModels.class);

    private final ModelRepository models;
    private final LimitSettings limits;

    UnreadyModels(ModelRepository models, LimitSettings limits) {
        this.models = models;
        this.limits = limits;
    }

    @Scheduled(initialDelay = 30_000, fixedDelay = 60_000)
    void sweep() {
        int deleted = models.deleteUnready(limits.modelRegistrationTimeout().multipliedBy(2));
        if (deleted > 0) {
            log.info("deleted {} model registration(s) left unfinished", deleted);
        }
    }
}
