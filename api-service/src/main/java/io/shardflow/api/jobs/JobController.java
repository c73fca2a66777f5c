package io.shardflow.api.jobs;

import io.shardflow.api.ApiSettings;
import io.shardflow.api.errors.ConflictException;
import io.shardflow.api.errors.NotFoundException;
import io.shardflow.api.security.Callers;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.generation.GenerationResult;
import io.shardflow.core.jobs.JobSpec;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.planning.PlanDocument;
import io.shardflow.core.tensors.TensorCodec;
import io.shardflow.db.events.JobEventLog;
import io.shardflow.db.jobs.JobQuery;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.partials.ResultStore;
import io.shardflow.db.training.MetricsStore;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "jobs")
@RequestMapping("/api/v1")
public class JobController {
    private static final Duration MAX_WAIT = Duration.ofMinutes(1);

    private final JobIntake intake;
    private final JobControl control;
    private final JobRepository jobs;
    private final ResultStore results;
    private final JobEventLog timeline;
    private final MetricsStore metrics;
    private final Callers callers;
    private final ApiSettings settings;
    private final JobCompletions completions;

    public JobController(
            JobIntake intake,
            JobControl control,
            JobRepository jobs,
            ResultStore results,
            JobEventLog timeline,
            MetricsStore metrics,
            Callers callers,
            ApiSettings settings,
            JobCompletions completions) {
        this.completions = completions;
        this.metrics = metrics;
        this.intake = intake;
        this.control = control;
        this.jobs = jobs;
        this.results = results;
        this.timeline = timeline;
        this.callers = callers;
        this.settings = settings;
    }

    @Operation(
            summary = "Submit a job",
            description = "202 with the queued job. With an Idempotency-Key already used, "
                    + "returns the first job and header Idempotent-Replayed: true.")
    @ApiResponse(
            responseCode = "202",
            description = "Accepted: the job is stored (durable) and queued; Location names it")
    @PostMapping("/jobs")
    public ResponseEntity<JobView> submit(
            @RequestBody JobSpec spec,
            @Parameter(
                            description = "Makes a retried POST return the first job instead of making another "
                                    + "(per tenant; 1 to 200 characters; the same key with another body is refused)")
                    @RequestHeader(name = "Idempotency-Key", required = false)
                    @Nullable
                    String idempotencyKey,
            @Parameter(description = "Repeated in the job's lifecycle events, so a caller can wait for its own")
                    @RequestHeader(name = "X-Correlation-Id", required = false)
                    @Nullable
                    String correlationId,
            HttpServletRequest request) {
        var accepted = intake.submit(callers.of(request).tenant(), spec, idempotencyKey, correlationId);
        var response = ResponseEntity.status(HttpStatus.ACCEPTED)
                .location(URI.create("/api/v1/jobs/" + accepted.job().id()));
        if (!accepted.created()) {
            response.header("Idempotent-Replayed", "true");
        }
        return response.body(JobView.of(accepted.job()));
    }

    @Operation(
            summary = "Preview the shard layout",
            description =
                    "The plan the scheduler would make for this job body "
                            + "now (strategy, data and model shards, partition sizes, why AUTO chose it), without running the job.")
    @PostMapping("/jobs:plan")
    public PlanDocument plan(@RequestBody JobSpec spec, HttpServletRequest request) {
        return intake.preview(callers.of(request).tenant(), spec);
    }

    @Operation(
            summary = "Get a job",
            description =
                    "With waitMs, answers as soon as the job has ended or after "
                            + "waitMs milliseconds (at most 60,000), whichever comes first, with the job as it is then: a wait without polling.")
    @GetMapping("/jobs/{id}")
    public JobView get(
            @PathVariable UUID id, @RequestParam(required = false) @Nullable Long waitMs, HttpServletRequest request)
            throws InterruptedException {
        InvalidSpecException.require(
                waitMs == null || (waitMs >= 0 && waitMs <= MAX_WAIT.toMillis()),
                "waitMs",
                "must be in 0.." + MAX_WAIT.toMillis() + ", was " + waitMs);
        var job = control.find(callers.of(request), id);
        if (waitMs == null || waitMs == 0 || job.status().isTerminal()) {
            return JobView.of(job);
        }
        try {
            return JobView.of(completions.await(id, Duration.ofMillis(waitMs)));
        } catch (TimeoutException e) {
            return JobView.of(control.find(callers.of(request), id));
        }
    }

    @Operation(summary = "List jobs, newest first, filtered by status and type")
    @GetMapping("/jobs")
    public PageView<JobView> list(
            @RequestParam(required = false) @Nullable JobStatus status,
            @RequestParam(required = false) @Nullable JobType type,
            @RequestParam(defaultValue = "0") @Min(0) int page,
            @RequestParam(defaultValue = "50") @Min(1) @Max(1000) int size,
            HttpServletRequest request) {
        var query =
                new JobQuery(callers.of(request).tenant(), status, type, page, Math.min(size, settings.maxPageSize()));
        return new PageView<>(
                jobs.list(query).stream().map(JobView::of).toList(), page, query.size(), jobs.count(query));
    }

    @PostMapping("/jobs/{id}/cancel")
    public JobView cancel(@PathVariable UUID id, HttpServletRequest request) {
        return JobView.of(control.cancel(callers.of(request), id));
    }

    @Operation(
            summary = "Run a FAILED or CANCELLED job again",
            description = "A new job with the same request; 409 otherwise.")
    @PostMapping("/jobs/{id}/retry")
    public ResponseEntity<JobView> retry(@PathVariable UUID id, HttpServletRequest request) {
        var again = control.retry(callers.of(request), id);
        return ResponseEntity.status(HttpStatus.ACCEPTED)
                .location(URI.create("/api/v1/jobs/" + again.id()))
                .body(JobView.of(again));
    }

    /** The body of a priority change. */
    public record PriorityChange(@Nullable Integer priority) {}

    @Operation(summary = "Change an unfinished job's priority (-100..100)")
    @PostMapping("/jobs/{id}/priority")
    public JobView prioritise(@PathVariable UUID id, @RequestBody PriorityChange change, HttpServletRequest request) {
        InvalidSpecException.require(change.priority() != null, "priority", "is required");
        return JobView.of(control.prioritise(callers.of(request), id, change.priority()));
    }

    @Operation(summary = "A training job's curve: loss per step, validation loss and accuracy at epoch ends")
    @GetMapping("/jobs/{id}/metrics")
    public Map<String, Object> metrics(@PathVariable UUID id, HttpServletRequest request) {
        var job = control.find(callers.of(request), id);
        return Map.of("jobId", job.id(), "points", metrics.curve(id));
    }

    @GetMapping("/jobs/{id}/events")
    public List<JobEventLog.Entry> events(@PathVariable UUID id, HttpServletRequest request) {
        control.find(callers.of(request), id);
        return timeline.timeline(id);
    }

    @Operation(
            summary = "The merged output, one row per input row in dataset order",
            description =
                    "JSON {rows, columns, outputs}, for generation {rows, outputs} with one completion per prompt; "
                            + "CSV when Accept is text/csv. 409 until the job SUCCEEDED.")
    @GetMapping(
            value = "/jobs/{id}/result",
            produces = {MediaType.APPLICATION_JSON_VALUE, "text/csv"})
    public void result(
            @PathVariable UUID id,
            @RequestHeader(name = HttpHeaders.ACCEPT, required = false) @Nullable String accept,
            HttpServletRequest request,
            HttpServletResponse response)
            throws IOException {
        var job = control.find(callers.of(request), id);
        if (job.status() != JobStatus.SUCCEEDED) {
            throw new ConflictException(
                    "job " + id + " is " + job.status() + "; its result exists once it has SUCCEEDED");
        }
        byte[] stored = results.find(id).orElseThrow(() -> new NotFoundException("result of job", id));
        boolean csv = accept != null && accept.contains("text/csv") && !accept.contains("application/json");
        boolean text = job.planned().completesText();
        // written here, on the request's thread: the stored result is in memory already, and an asynchronous
        // write would add a dispatch whose late failure could only be appended to a body already sent
        response.setContentType(csv ? "text/csv" : MediaType.APPLICATION_JSON_VALUE);
        var out = response.getOutputStream();
        if (text && csv) {
            ResultWriter.csv(GenerationResult.decode(stored), out);
        } else if (text) {
            out.write(stored); // stored as the JSON the client gets
        } else if (csv) {
            ResultWriter.csv(TensorCodec.decode(stored), out);
        } else {
            ResultWriter.json(TensorCodec.decode(stored), out);
        }
        out.flush();
    }
}
