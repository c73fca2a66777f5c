package io.shardflow.api.limits;

import io.shardflow.api.errors.LimitExceededException;
import io.shardflow.core.models.ModelArchitecture;
import org.springframework.stereotype.Component;

/** The per-request limits that compare one number of a request with a setting. */
@Component
public class Limits {
    private final LimitSettings settings;

    public Limits(LimitSettings settings) {
        this.settings = settings;
    }

    public LimitSettings settings() {
        return settings;
    }

    /** A model's parameters, counted from its architecture before any of them is built or stored. */
    public void checkModel(ModelArchitecture architecture, String field) {
        long count = architecture.parameterCount();
        if (count > settings.maxModelParameters()) {
            throw LimitExceededException.tooLarge(
                    field,
                    LimitSettings.MAX_MODEL_PARAMETERS,
                    settings.maxModelParameters(),
                    count,
                    "parameters (" + architecture.parameterBytes() + " bytes)");
        }
    }

    public void checkColumns(int columns) {
        if (columns > settings.maxDatasetColumns()) {
            throw LimitExceededException.tooLarge(
                    "body", LimitSettings.MAX_DATASET_COLUMNS, settings.maxDatasetColumns(), columns, "columns");
        }
    }

    public void checkPrompts(long prompts, String field) {
        if (prompts > settings.maxPrompts()) {
            throw LimitExceededException.tooLarge(
                    field, LimitSettings.MAX_PROMPTS, settings.maxPrompts(), prompts, "prompts");
        }
    }

    /**
     * A check to run now and then during a model registration: past the registration timeout, or once the thread
     * is interrupted (the server stopping), it throws, and the registration removes what it wrote.
     */
    public Runnable registrationDeadline() {
        long started = System.nanoTime();
        long timeout = settings.modelRegistrationTimeout().toNanos();
        return () -> {
            long elapsed = System.nanoTime() - started;
            if (elapsed >= timeout || Thread.currentThread().isInterrupted()) {
                throw LimitExceededException.tooLong(
                        "init",
                        LimitSettings.MODEL_REGISTRATION_TIMEOUT,
                        settings.modelRegistrationTimeout().toMillis(),
                        elapsed / 1_000_000);
            }
        };
    }
}
