package io.shardflow.api.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.shardflow.api.ApiSettings;
import io.shardflow.api.errors.ItemProblems;
import io.shardflow.api.json.JsonErrors;
import io.shardflow.api.ratelimit.RateLimits;
import io.shardflow.api.security.Callers;
import io.shardflow.core.InvalidSpecException;
import io.shardflow.core.jobs.JobSpec;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Many jobs in one request: each item is judged as {@code POST /api/v1/jobs} would judge it alone, and every item
 * that passes is stored in one transaction. The answer is 200 with one result per item, in order, whatever became
 * of each; only a request that is wrong as a whole (no {@code jobs}, too many) is refused as a whole.
 */
@RestController
@Tag(name = "jobs")
@RequestMapping("/api/v1")
public class JobBatchController {
    static final String ITEM_KEY = "idempotencyKey";
    static final String ITEM_CORRELATION = "correlationId";

    private final JobBatchIntake intake;
    private final Callers callers;
    private final ApiSettings settings;
    private final RateLimits rateLimits;
    private final JsonMapper requests;
    private final JsonErrors jsonErrors;

    public JobBatchController(
            JobBatchIntake intake,
            Callers callers,
            ApiSettings settings,
            RateLimits rateLimits,
            JsonMapper requests,
            JsonErrors jsonErrors) {
        this.intake = intake;
        this.callers = callers;
        this.settings = settings;
        this.rateLimits = rateLimits;
        this.requests = requests;
        this.jsonErrors = jsonErrors;
    }

    /** The body: the jobs, each a body of {@code POST /api/v1/jobs} with an optional key and correlation id. */
    public record BatchRequest(@Nullable List<@Nullable JsonNode> jobs) {}

    /** The answer: how many items were accepted and refused, and each item's result in the request's order. */
    public record BatchResult(int accepted, int refused, List<ItemResult> jobs) {}

    /**
     * One item's result: {@code status} 202 with its {@code job} ({@code replayed}: true when an earlier request
     * under its idempotency key made it), or the status and {@code problem} (problem+json's members) a request of its
     * own would have got.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ItemResult(
            int index,
            int status,
            @Nullable Boolean replayed,
            @Nullable JobView job,
            @Nullable Map<String, Object> problem) {}

    @Operation(
            summary = "Submit many jobs at once",
            description = "Body {\"jobs\":[job, ...]}: up to shardflow.api.max-batch-jobs (1000) bodies of POST "
                    + "/api/v1/jobs, each with an optional \"idempotencyKey\" and \"correlationId\" (default: the "
                    + "X-Correlation-Id header). 200 with {accepted, refused, jobs:[...]}: per item, in order, either "
                    + "status 202 with the job and replayed (true: an earlier request under its key made it), or the "
                    + "status and problem a request of its own would get (400, 413, 429). Items are independent; the "
                    + "accepted ones are stored together in one transaction. A client sends the refused items again, "
                    + "or the whole batch with its keys, which returns the jobs already made.")
    @PostMapping("/jobs:batch")
    public BatchResult submit(
            @RequestBody BatchRequest body,
            @RequestHeader(name = "X-Correlation-Id", required = false) @Nullable String correlationId,
            HttpServletRequest request) {
        var items = body.jobs();
        InvalidSpecException.require(items != null, "jobs", "is required: a list of job bodies");
        InvalidSpecException.require(!items.isEmpty(), "jobs", "must hold at least one job");
        InvalidSpecException.require(
                items.size() <= settings.maxBatchJobs(),
                "jobs",
                "has " + items.size() + " jobs, more than the " + settings.maxBatchJobs()
                        + " allowed (shardflow.api.max-batch-jobs)");
        var caller = callers.of(request);
        rateLimits.takeBatch(caller.id(), items.size());

        var results = new ItemResult[items.size()];
        var submitted = new ArrayList<JobBatchIntake.Request>(items.size());
        var positions = new ArrayList<Integer>(items.size());
        for (int i = 0; i < items.size(); i++) {
            try {
                submitted.add(read(caller.tenant(), items.get(i), correlationId));
                positions.add(i);
            } catch (InvalidSpecException e) {
                results[i] = refused(i, e);
            }
        }
        var outcomes = intake.submitAll(submitted, ITEM_KEY);
        int accepted = 0;
        for (int k = 0; k < outcomes.size(); k++) {
            int i = positions.get(k);
            results[i] = switch (outcomes.get(k)) {
                case JobBatchIntake.Accepted a ->
                    new ItemResult(i, HttpStatus.ACCEPTED.value(), !a.created(), JobView.of(a.job()), null);
                case JobBatchIntake.Refused r -> refused(i, r.error());
            };
            if (outcomes.get(k) instanceof JobBatchIntake.Accepted) {
                accepted++;
            }
        }
        return new BatchResult(accepted, items.size() - accepted, List.of(results));
    }

    /** An item as a request: its key and correlation id taken out, the rest read as strictly as a job body. */
    private JobBatchIntake.Request read(String tenant, @Nullable JsonNode item, @Nullable String correlationId) {
        if (!(item instanceof ObjectNode job)) {
            throw new InvalidSpecException("body", "must be a job: a JSON object, the body of POST /api/v1/jobs");
        }
        String key = text(job, ITEM_KEY);
        String correlation = text(job, ITEM_CORRELATION);
        try {
            var spec = requests.treeToValue(job, JobSpec.class);
            return new JobBatchIntake.Request(tenant, spec, key, correlation != null ? correlation : correlationId);
        } catch (JacksonException e) {
            var reason = jsonErrors.describe(e);
            throw new InvalidSpecException(reason.field(), reason.message());
        }
    }

    /** Takes {@code field} out of the item: a string, or absent. */
    private static @Nullable String text(ObjectNode job, String field) {
        var value = job.remove(field);
        if (value == null || value.isNull()) {
            return null;
        }
        InvalidSpecException.require(value.isString(), field, "must be a string");
        return value.asString();
    }

    private static ItemResult refused(int index, InvalidSpecException e) {
        var problem = ItemProblems.of(e);
        return new ItemResult(index, problem.getStatus(), null, null, ItemProblems.body(problem));
    }
}
