package io.shardflow.api.dashboard;

import io.shardflow.api.errors.ConflictException;
import io.shardflow.api.errors.NotFoundException;
import io.shardflow.api.jobs.JobControl;
import io.shardflow.api.security.Audit;
import io.shardflow.api.security.Callers;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import io.shardflow.db.jobs.JobQuery;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRetention;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The jobs page's bulk actions: cancel every unfinished job, or retry every failed or cancelled one, that its filter
 * selects, at most {@link #MAX} at a time; and delete the jobs that ended more than some days ago (ADMIN). Each job goes through the same action as its own button (timeline, audit
 * log); a job that changed meanwhile is skipped, not an error.
 */
@Controller
class BulkJobActions {
    /** The most jobs one bulk action touches; the page says when more were selected. */
    static final int MAX = 1000;

    private static final int READ = 200;

    /** The most jobs one retention action deletes; it says when more are left. */
    static final int MAX_DELETED = 100_000;

    private final JobRepository jobs;
    private final JobControl control;
    private final JobRetention retention;
    private final Audit audit;
    private final Clock clock;

    BulkJobActions(JobRepository jobs, JobControl control, JobRetention retention, Audit audit, Clock clock) {
        this.jobs = jobs;
        this.control = control;
        this.retention = retention;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * Deletes every job that ended more than {@code days} days ago, with its shards, partials, results and timeline
     * (ADMIN): what {@code shardflow.scheduler.retention} does on its own, now and with another age.
     */
    @PostMapping("/jobs/retention")
    public String deleteEnded(@RequestParam int days) {
        io.shardflow.core.InvalidSpecException.require(days >= 1, "days", "must be 1 or more, was " + days);
        int deleted = retention.deleteEndedBefore(clock.instant().minus(Duration.ofDays(days)), MAX_DELETED);
        audit.record(
                Callers.authenticated(),
                "jobs.delete-ended",
                null,
                null,
                "deleted " + deleted + " job(s) that ended more than " + days + " day(s) ago");
        return "redirect:/?deleted=" + deleted + "&days=" + days + "&more=" + (deleted == MAX_DELETED);
    }

    /** What a bulk action did, for the page it returns to. */
    record Outcome(String action, int done, int skipped, boolean more) {}

    @PostMapping("/jobs/bulk")
    public String bulk(
            @RequestParam String action,
            @RequestParam(required = false) @Nullable JobStatus status,
            @RequestParam(required = false) @Nullable JobType type,
            @RequestParam(required = false) @Nullable String q) {
        boolean cancel = switch (action) {
            case "cancel" -> true;
            case "retry" -> false;
            default -> throw new io.shardflow.core.InvalidSpecException("action", "is cancel or retry, not " + action);
        };
        var selected = select(status, type, q, cancel);
        var caller = Callers.authenticated();
        int done = 0;
        int skipped = 0;
        for (var id : selected.ids()) {
            try {
                if (cancel) {
                    control.cancel(caller, id);
                } else {
                    control.retry(caller, id);
                }
                done++;
            } catch (ConflictException | NotFoundException e) {
                skipped++; // it ended, or was retried, since the page was drawn
            }
        }
        return "redirect:"
                + UriComponentsBuilder.fromPath("/")
                        .queryParamIfPresent("status", java.util.Optional.ofNullable(status))
                        .queryParamIfPresent("type", java.util.Optional.ofNullable(type))
                        .queryParamIfPresent("q", java.util.Optional.ofNullable(q))
                        .queryParam("bulk", action)
                        .queryParam("done", done)
                        .queryParam("skipped", skipped)
                        .queryParam("more", selected.more())
                        .build()
                        .encode()
                        .toUriString();
    }

    private record Selection(List<UUID> ids, boolean more) {}

    /**
     * The filter's jobs that the action applies to, at most {@link #MAX}: read status by status (an unfiltered page
     * does not scan the whole history for the few jobs that have not ended).
     */
    private Selection select(@Nullable JobStatus status, @Nullable JobType type, @Nullable String q, boolean cancel) {
        var ids = new ArrayList<UUID>();
        for (var each : JobStatus.values()) {
            if ((status != null && each != status) || !applies(each, cancel)) {
                continue;
            }
            for (int page = 0; ; page++) {
                var rows = jobs.list(new JobQuery(null, each, type, q, page, READ));
                for (var job : rows) {
                    if (ids.size() == MAX) {
                        return new Selection(ids, true);
                    }
                    ids.add(job.id());
                }
                if (rows.size() < READ) {
                    break;
                }
            }
        }
        return new Selection(ids, false);
    }

    /** Whether the action applies to a job in this status: cancel to one that has not ended, retry to a failed one. */
    static boolean applies(JobStatus status, boolean cancel) {
        return cancel ? !status.isTerminal() : status == JobStatus.FAILED || status == JobStatus.CANCELLED;
    }
}
