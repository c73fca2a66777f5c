package io.shardflow.api.jobs;

import io.shardflow.api.ApiSettings;
import io.shardflow.api.errors.ConflictException;
import io.shardflow.api.errors.QuotaExceededException;
import io.shardflow.api.security.Caller;
import io.shardflow.api.security.Callers;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.generation.GenerationResult;
import io.shardflow.core.generation.GenerationSpec;
import io.shardflow.core.jobs.JobInput;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.planning.Strategy;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.db.partials.ResultStore;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Answers in the HTTP response, for apps that want a prediction or a completion now. Each call is an ordinary
 * job (queue, scheduler, workers, so it is batched with everything else on the model) at the highest priority,
 * with one data shard; the request waits for it up to a timeout, then cancels it and answers 504. A server that stops
 * meanwhile cancels it too and answers 503, to be sent again. At most {@code shardflow.api.max-sync-waiting} calls
 * wait at once ({@link SyncWaiting}); one more is answered 503.
 */
@RestController
@Tag(name = "inference")
@RequestMapping("/api/v1/models")
public class SyncInferenceController {
    private static final int SYNC_PRIORITY = 100;
    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

    private final JobIntake intake;
    private final JobControl control;
    private final JobCompletions completions;
    private final ResultStore results;
    private final Callers callers;
    private final ApiSettings settings;
    private final SyncWaiting waiting;

    public SyncInferenceController(
            JobIntake intake,
            JobControl control,
            JobCompletions completions,
            ResultStore results,
            Callers callers,
            ApiSettings settings,
            SyncWaiting waiting) {
        this.intake = intake;
        this.control = control;
        this.completions = completions;
        this.results = results;
        this.callers = callers;
        this.settings = settings;
        this.waiting = waiting;
    }

    /** {@code prompt} or {@code prompts}, the generation settings, and optionally how long to wait. */
    public record GenerateRequest(
            @Nullable String prompt,
            @Nullable List<String> prompts,
            @Nullable Integer maxTokens,
            @Nullable Double temperature,
            @Nullable Integer topK,
            @Nullable Long seed,
            @Nullable List<String> stop,
            @Nullable Long timeoutMs) {}

    public record GenerateResponse(UUID jobId, int rows, List<String> outputs) {}

    public record PredictRequest(
            @Nullable List<float[]> rows, @Nullable Long timeoutMs) {}

    public record PredictResponse(UUID jobId, int rows, int columns, float[][] outputs) {}

    @Operation(
            summary = "Complete prompts with a gpt model, answering in the response",
            description =
                    "Body {prompt | prompts, maxTokens, temperature, topK, seed, stop, timeoutMs}; 504 when the job "
                            + "does not finish in time, 503 when the server stops meanwhile (it is then cancelled).")
    @PostMapping("/{id}/generate")
    public GenerateResponse generate(
            @PathVariable UUID id,
            @RequestBody GenerateRequest body,
            @RequestHeader(name = "X-Correlation-Id", required = false) @Nullable String correlationId,
            HttpServletRequest request)
            throws InterruptedException {
        InvalidSpecException.require(
                body.prompt() == null || body.prompts() == null, "prompt", "give prompt or prompts, not both");
        var prompts = body.prompt() != null ? List.of(body.prompt()) : body.prompts();
        var input = new JobInput(prompts == null ? List.of() : prompts, null);
        var generation =
                new GenerationSpec(body.maxTokens(), body.temperature(), body.topK(), body.seed(), body.stop());
        var jobId = run(id, input, generation, body.timeoutMs(), correlationId, request);
        var result = GenerationResult.decode(results.find(jobId).orElseThrow());
        return new GenerateResponse(jobId, result.rows(), result.outputs());
    }

    @Operation(
            summary = "Predict with a linear or mlp model, answering in the response",
            description = "Body {rows: [[...], ...], timeoutMs}; outputs one row per input row. 504 when the job does "
                    + "not finish in time, 503 when the server stops meanwhile (it is then cancelled).")
    @PostMapping("/{id}/predict")
    public PredictResponse predict(
            @PathVariable UUID id,
            @RequestBody PredictRequest body,
            @RequestHeader(name = "X-Correlation-Id", required = false) @Nullable String correlationId,
            HttpServletRequest request)
            throws InterruptedException {
        var input = new JobInput(null, body.rows() == null ? List.of() : body.rows());
        var jobId = run(id, input, null, body.timeoutMs(), correlationId, request);
        var tensor = TensorCodec.decode(results.find(jobId).orElseThrow());
        int rows = tensor.shape()[0];
        int columns = tensor.shape()[1];
        var outputs = new float[rows][columns];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(tensor.data(), r * columns, outputs[r], 0, columns);
        }
        return new PredictResponse(jobId, rows, columns, outputs);
    }

    private UUID run(
            UUID modelId,
            JobInput input,
            @Nullable GenerationSpec generation,
            @Nullable Long timeoutMs,
            @Nullable String correlationId,
            HttpServletRequest request)
            throws InterruptedException {
        InvalidSpecException.require(
                timeoutMs == null || (timeoutMs >= 1 && timeoutMs <= MAX_TIMEOUT.toMillis()),
                "timeoutMs",
                "must be in 1.." + MAX_TIMEOUT.toMillis() + ", was " + timeoutMs);
        var timeout = timeoutMs != null ? Duration.ofMillis(timeoutMs) : settings.syncTimeout();
        var caller = callers.of(request);
        var spec = new JobSpec(
                JobType.INFERENCE,
                new JobSpec.ModelRef(modelId),
                null,
                input,
                generation,
                new JobSpec.Parallelism(Strategy.AUTO, 1),
                null,
                SYNC_PRIORITY,
                JobSpec.DEFAULT_MAX_ATTEMPTS);
        // a place to wait in before the job exists: a refused call (503) leaves nothing behind
        try (var place = waiting.enter()) {
            JobIntake.Accepted accepted;
            try {
                accepted = intake.submit(caller.tenant(), spec, null, correlationId);
            } catch (QuotaExceededException e) {
                throw e; // a 429 about the tenant, not about a field of the body
            } catch (InvalidSpecException e) {
                // the body is flat: input.prompts[0] and generation.maxTokens are prompts[0] and maxTokens here
                throw new InvalidSpecException(e.field().replaceFirst("^(input|generation)\\.", ""), e.reason());
            }
            var jobId = accepted.job().id();
            try {
                var ended = completions.await(jobId, timeout);
                if (ended.status() != JobStatus.SUCCEEDED) {
                    throw new SyncJobFailedException(jobId, ended.status(), ended.error());
                }
                return jobId;
            } catch (TimeoutException e) {
                cancel(caller, jobId);
                throw new SyncTimeoutException(jobId, timeout);
            } catch (CancellationException stopping) {
                // nobody will wait for it: the client sends the call again, here after a restart or elsewhere
                cancel(caller, jobId);
                throw new SyncStoppedException(jobId);
            }
        }
    }

    private void cancel(Caller caller, UUID jobId) {
        try {
            control.cancel(caller, jobId);
        } catch (ConflictException ended) {
            // it ended just now; the client still gets the answer it was promised
        }
    }
}
