package io.shardflow.api.dashboard;

import io.shardflow.api.errors.NotFoundException;
import io.shardflow.api.security.Audit;
import io.shardflow.api.security.Callers;
import io.shardflow.api.security.Role;
import io.shardflow.core.jobs.JobStatus;
import io.shardflow.core.jobs.JobType;
import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.shards.ShardFailure;
import io.shardflow.core.shards.ShardStatus;
import io.shardflow.db.datasets.DatasetRepository;
import io.shardflow.db.events.JobEventLog;
import io.shardflow.db.jobs.JobQuery;
import io.shardflow.db.jobs.JobRepository;
import io.shardflow.db.jobs.JobRow;
import io.shardflow.db.jobs.JobStatistics;
import io.shardflow.db.lanes.LaneRegistry;
import io.shardflow.db.models.ModelRepository;
import io.shardflow.db.shards.ShardQueue;
import io.shardflow.db.shards.ShardRepository;
import io.shardflow.db.workers.WorkerRegistry;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The operator's dashboard: server-side pages (every tenant's jobs), fragments that a page reloads when the
 * stream says something changed, and the stream itself. Actions go through the REST API.
 */
@Controller
public class DashboardController {
    private static final int PAGE = 50;
    /** Jobs that ended within this long are counted on the jobs page. */
    private static final Duration COUNTED_ENDED = Duration.ofHours(1);
    /** The jobs page's throughput chart covers this long. */
    private static final Duration THROUGHPUT_WINDOW = Duration.ofHours(1);
    /** The last rounds a job's page shows, and at most as many earlier ones with a failed or retried shard. */
    private static final int SHOWN_ROUNDS = 8;

    private static final JsonMapper PRETTY =
            JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private final JobRepository jobs;
    private final ShardRepository shards;
    private final JobEventLog timeline;
    private final WorkerRegistry workers;
    private final LaneRegistry lanes;
    private final ShardQueue queue;
    private final ModelRepository models;
    private final DatasetRepository datasets;
    private final DashboardStream stream;
    private final QueueHealth queues;
    private final JobStatistics statistics;
    private final Clock clock;

    private final Audit audit;

    public DashboardController(
            JobRepository jobs,
            ShardRepository shards,
            JobEventLog timeline,
            WorkerRegistry workers,
            LaneRegistry lanes,
            ShardQueue queue,
            ModelRepository models,
            DatasetRepository datasets,
            DashboardStream stream,
            QueueHealth queues,
            JobStatistics statistics,
            Audit audit,
            Clock clock) {
        this.statistics = statistics;
        this.clock = clock;
        this.audit = audit;
        this.queues = queues;
        this.jobs = jobs;
        this.shards = shards;
        this.timeline = timeline;
        this.workers = workers;
        this.lanes = lanes;
        this.queue = queue;
        this.models = models;
        this.datasets = datasets;
        this.stream = stream;
    }

    /** A job as a list row. */
    public record JobLine(
            String id,
            String status,
            String type,
            String strategy,
            String tenant,
            int percent,
            String progress,
            String age,
            String duration,
            String eta,
            @Nullable String error,
            @Nullable String modelId,
            @Nullable String modelName,
            @Nullable String datasetId,
            @Nullable String datasetName) {}

    @GetMapping("/")
    public String jobsPage(
            @RequestParam(required = false) @Nullable JobStatus status,
            @RequestParam(required = false) @Nullable JobType type,
            @RequestParam(required = false) @Nullable String q,
            @RequestParam(defaultValue = "0") int page,
            @RequestParam(required = false) @Nullable String bulk,
            @RequestParam(defaultValue = "0") int done,
            @RequestParam(defaultValue = "0") int skipped,
            @RequestParam(defaultValue = "false") boolean more,
            @RequestParam(required = false) @Nullable Integer deleted,
            @RequestParam(defaultValue = "0") int days,
            Model model) {
        jobsModel(status, type, q, page, model);
        model.addAttribute("deleted", deleted);
        model.addAttribute("deletedDays", days);
        model.addAttribute("deletedMore", deleted != null && more);
        model.addAttribute(
                "admin", Callers.current().map(c -> c.has(Role.ADMIN)).orElse(false));
        model.addAttribute("throughput", PRETTY.writeValueAsString(statistics.perMinute(THROUGHPUT_WINDOW)));
        model.addAttribute("bulkDone", bulk == null ? null : new BulkJobActions.Outcome(bulk, done, skipped, more));
        model.addAttribute("bulkMax", BulkJobActions.MAX);
        return "jobs";
    }

    @GetMapping("/dashboard/jobs")
    public String jobsTable(
            @RequestParam(required = false) @Nullable JobStatus status,
            @RequestParam(required = false) @Nullable JobType type,
            @RequestParam(required = false) @Nullable String q,
            @RequestParam(defaultValue = "0") int page,
            Model model) {
        jobsModel(status, type, q, page, model);
        return "jobs :: table";
    }

    private void jobsModel(
            @Nullable JobStatus status, @Nullable JobType type, @Nullable String q, int page, Model model) {
        var query = new JobQuery(null, status, type, q, Math.max(0, page), PAGE);
        var now = clock.instant();
        var rows = jobs.list(query);
        var modelNames = models.names(rows.stream()
                .map(j -> j.spec().model().id())
                .filter(java.util.Objects::nonNull)
                .collect(Collectors.toSet()));
        var datasetNames = datasets.names(rows.stream()
                .map(j -> j.spec().dataset() == null ? null : j.spec().dataset().id())
                .filter(java.util.Objects::nonNull)
                .collect(Collectors.toSet()));
        model.addAttribute(
                "jobs",
                rows.stream().map(j -> line(j, now, modelNames, datasetNames)).toList());
        model.addAttribute("counts", statistics.byStatus(COUNTED_ENDED));
        model.addAttribute("total", jobs.count(query));
        model.addAttribute("page", query.page());
        model.addAttribute("pageSize", PAGE);
        model.addAttribute("status", status);
        model.addAttribute("type", type);
        model.addAttribute("q", query.search());
        model.addAttribute("statuses", JobStatus.values());
        model.addAttribute("types", JobType.values());
        var refresh = new StringBuilder("/dashboard/jobs?page=" + query.page());
        if (status != null) {
            refresh.append("&status=").append(status);
        }
        if (type != null) {
            refresh.append("&type=").append(type);
        }
        if (query.search() != null) {
            refresh.append("&q=").append(URLEncoder.encode(query.search(), StandardCharsets.UTF_8));
        }
        model.addAttribute("refresh", refresh.toString());
    }

    @GetMapping("/jobs/{id}")
    public String jobPage(@PathVariable UUID id, Model model) {
        jobModel(id, model);
        return "job";
    }

    /** A part of a job's page that the stream refreshes: its summary ({@code detail}) or its shards and timeline. */
    @GetMapping("/dashboard/jobs/{id}")
    public String jobDetail(@PathVariable UUID id, @RequestParam(defaultValue = "detail") String part, Model model) {
        jobModel(id, model);
        return "rounds".equals(part) ? "job :: rounds" : "job :: detail";
    }

    private void jobModel(UUID id, Model model) {
        var job = jobs.find(id).orElseThrow(() -> new NotFoundException("job", id));
        model.addAttribute("job", job);
        var modelId = job.spec().model().id();
        var datasetId =
                job.spec().dataset() == null ? null : job.spec().dataset().id();
        model.addAttribute(
                "line",
                line(
                        job,
                        clock.instant(),
                        modelId == null ? Map.of() : models.names(List.of(modelId)),
                        datasetId == null ? Map.of() : datasets.names(List.of(datasetId))));
        model.addAttribute("spec", pretty(MessageCodec.encode(job.spec())));
        model.addAttribute("plan", job.plan() == null ? "(not planned yet)" : pretty(MessageCodec.encode(job.plan())));
        var cells = shards.cells(id);
        model.addAttribute("rounds", RoundsSummary.of(cells, SHOWN_ROUNDS, SHOWN_ROUNDS));
        model.addAttribute(
                "failedShard",
                cells.stream()
                        .filter(c -> c.status() == ShardStatus.FAILED && c.failure() != ShardFailure.JOB_ENDED)
                        .findFirst()
                        .orElse(null));
        model.addAttribute("events", timeline.timeline(id));
        model.addAttribute("training", job.type() == JobType.TRAINING);
    }

    @GetMapping("/workers")
    public String workersPage(Model model) {
        var now = clock.instant();
        var all = workers.list();
        var modelNames = models.names(all.stream()
                .filter(w -> w.stats() != null)
                .flatMap(w -> w.stats().models().stream())
                .collect(Collectors.toSet()));
        model.addAttribute(
                "workers",
                all.stream().map(w -> WorkerLine.of(w, now, modelNames)).toList());
        var work = lanes.work().stream()
                .collect(Collectors.groupingBy(
                        LaneRegistry.LaneWork::slot,
                        Collectors.mapping(
                                w -> Map.of(
                                        "job",
                                        w.shard().jobId().toString(),
                                        "shard",
                                        w.shard().step() + "/" + w.shard().stage() + "/"
                                                + w.shard().shardIndex(),
                                        "status",
                                        w.status().name()),
                                Collectors.toList())));
        model.addAttribute(
                "lanes",
                lanes.list().stream()
                        .map(l -> Map.of(
                                "slot",
                                l.slot(),
                                "worker",
                                l.workerId(),
                                "lane",
                                l.laneIndex() + ": " + l.device(),
                                "cap",
                                l.maxModelBytes() == null ? "no cap" : l.maxModelBytes() + " B",
                                "state",
                                laneState(l, now),
                                "work",
                                work.getOrDefault(l.slot(), List.of())))
                        .toList());
        model.addAttribute("waiting", queue.depth());
        return "workers";
    }

    /** A lane as an operator reads it: offered tasks, draining, starting, or lapsed with its worker. */
    private static String laneState(LaneRegistry.LaneRow lane, java.time.Instant now) {
        if (!lane.leaseUntil().isAfter(now)) {
            return "lapsed";
        }
        if (lane.draining()) {
            return "draining";
        }
        return lane.ready() ? "ready" : "starting";
    }

    /** Models, newest first; {@code highlight} marks the one a job's page linked to. */
    @GetMapping("/models")
    public String modelsPage(@RequestParam(required = false) @Nullable UUID highlight, Model model) {
        var rows = models.list(null, 0, 200);
        var datasetIds = rows.stream()
                .map(m -> m.sourceDatasetId())
                .filter(java.util.Objects::nonNull)
                .collect(Collectors.toSet());
        model.addAttribute("models", ModelLine.of(rows, datasets.names(datasetIds)));
        model.addAttribute("highlight", highlight == null ? "" : highlight.toString());
        return "models";
    }

    /** Datasets, newest first; {@code highlight} marks the one a job's page linked to. */
    @GetMapping("/datasets")
    public String datasetsPage(@RequestParam(required = false) @Nullable UUID highlight, Model model) {
        model.addAttribute("datasets", datasets.list(null, 0, 200));
        model.addAttribute("highlight", highlight == null ? "" : highlight.toString());
        return "datasets";
    }

    @GetMapping("/queues")
    public String queuesPage(@RequestParam(required = false) @Nullable String inspect, Model model) throws Exception {
        // the letters first: a topic that is not Shardflow's is a 404 before anything is asked of the broker
        model.addAttribute("letters", inspect == null ? List.of() : queues.deadLetters(inspect, 50));
        model.addAttribute("inspect", inspect);
        model.addAttribute("topics", queues.topics());
        return "queues";
    }

    @PostMapping("/queues/replay")
    public String replay(
            @RequestParam String topic,
            @RequestParam int partition,
            @RequestParam long offset,
            @RequestParam String inspect) {
        queues.replay(topic, partition, offset);
        audit.record(Callers.authenticated(), "dead-letter.replay", null, topic + "-" + partition + "@" + offset, null);
        return "redirect:/queues?inspect=" + URLEncoder.encode(inspect, StandardCharsets.UTF_8) + "&replayed=" + offset;
    }

    @GetMapping("/dashboard/stream")
    @ResponseBody
    public SseEmitter stream() {
        return stream.subscribe();
    }

    static JobLine line(JobRow job, Instant now) {
        return line(job, now, Map.of(), Map.of());
    }

    /** A job as a list row, naming its model and dataset from these names (found in one read for a page). */
    static JobLine line(JobRow job, Instant now, Map<UUID, String> modelNames, Map<UUID, String> datasetNames) {
        int percent;
        String progress;
        var training = job.progress();
        if (training != null) {
            percent = (int) (100L * training.step() / Math.max(1, training.steps()));
            progress = "step " + training.step() + " / " + training.steps();
        } else {
            percent = job.shardsTotal() == 0 ? 0 : (int) (100L * job.shardsDone() / job.shardsTotal());
            progress = job.shardsDone() + " / " + job.shardsTotal() + " shards";
        }
        if (job.status() == JobStatus.SUCCEEDED) {
            percent = 100;
        }
        String strategy =
                job.plan() == null ? String.valueOf(job.spec().parallelism().strategy()) : strategy(job.plan());
        var modelId = job.spec().model().id();
        var datasetId =
                job.spec().dataset() == null ? null : job.spec().dataset().id();
        String duration = job.startedAt() == null
                ? "—"
                : ago(Duration.between(job.startedAt(), job.finishedAt() != null ? job.finishedAt() : now));
        return new JobLine(
                job.id().toString(),
                job.status().name(),
                job.type().name(),
                strategy,
                job.tenant(),
                percent,
                progress,
                ago(Duration.between(job.createdAt(), now)),
                duration,
                eta(job, now),
                job.error(),
                modelId == null ? null : modelId.toString(),
                modelId == null ? job.spec().model().name() : modelNames.getOrDefault(modelId, modelId.toString()),
                datasetId == null ? null : datasetId.toString(),
                datasetId == null ? null : datasetNames.getOrDefault(datasetId, datasetId.toString()));
    }

    /** How long a running job still needs at the pace it has kept since it started: "—" when it cannot be told. */
    static String eta(JobRow job, Instant now) {
        var started = job.startedAt();
        if (job.status().isTerminal() || started == null) {
            return "—";
        }
        var training = job.progress();
        double done = training != null
                ? training.step() / (double) Math.max(1, training.steps())
                : job.shardsDone() / (double) Math.max(1, job.shardsTotal());
        if (done <= 0 || done >= 1) {
            return "—";
        }
        long elapsed = Duration.between(started, now).toMillis();
        return ago(Duration.ofMillis((long) (elapsed * (1 - done) / done)));
    }

    private static String strategy(Plan plan) {
        return switch (plan) {
            case Plan.ModelParallelInference p -> p.strategy() + " (" + split(p.model()) + ")";
            case Plan.PipelinedGeneration p -> p.strategy() + " (" + split(p.model()) + ")";
            case Plan.ModelParallelTraining p -> p.strategy() + " (" + split(p.model()) + ")";
            case Plan.DataInference p -> p.strategy().name();
            case Plan.Generation p -> p.strategy().name();
            case Plan.DataParallelTraining p -> p.strategy().name();
        };
    }

    private static String split(Plan.ModelPlan model) {
        return model.strategy() + " " + model.modelShards();
    }

    static String ago(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 1) {
            return d.toMillis() + " ms";
        }
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return s / 60 + " min";
        }
        return s / 3600 + " h";
    }

    private static String pretty(byte[] json) {
        return PRETTY.writeValueAsString(PRETTY.readTree(json));
    }
}
