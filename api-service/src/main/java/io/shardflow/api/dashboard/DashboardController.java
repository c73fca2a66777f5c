package io.shardflow.api.dashboard;

import io.shardflow.api.errors.NotFoundException;
import io.shardflow.api.security.Audit;
import io.shardflow.api.security.Callers;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
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
    private static final Duration LOST = Duration.ofSeconds(10);
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
            Audit audit,
            Clock clock) {
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
            @Nullable String error) {}

    @GetMapping("/")
    public String jobsPage(
            @RequestParam(required = false) @Nullable JobStatus status,
            @RequestParam(required = false) @Nullable JobType type,
            @RequestParam(required = false) @Nullable String q,
            @RequestParam(defaultValue = "0") int page,
            Model model) {
        jobsModel(status, type, q, page, model);
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
        model.addAttribute(
                "jobs", jobs.list(query).stream().map(j -> line(j, now)).toList());
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

    @GetMapping("/dashboard/jobs/{id}")
    public String jobDetail(@PathVariable UUID id, Model model) {
        jobModel(id, model);
        return "job :: detail";
    }

    private void jobModel(UUID id, Model model) {
        var job = jobs.find(id).orElseThrow(() -> new NotFoundException("job", id));
        model.addAttribute("job", job);
        model.addAttribute("line", line(job, clock.instant()));
        model.addAttribute("spec", pretty(MessageCodec.encode(job.spec())));
        model.addAttribute("plan", job.plan() == null ? "(not planned yet)" : pretty(MessageCodec.encode(job.plan())));
        var cells = shards.cells(id);
        var rounds = new LinkedHashMap<String, List<ShardRepository.Cell>>();
        for (var cell : cells) {
            rounds.computeIfAbsent("step " + cell.step() + " · stage " + cell.stage(), k -> new ArrayList<>())
                    .add(cell);
        }
        model.addAttribute("rounds", rounds);
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
        model.addAttribute(
                "workers",
                workers.list().stream()
                        .map(w -> Map.of(
                                "id",
                                w.id(),
                                "host",
                                w.host(),
                                "devices",
                                lanesOn(w.devices()),
                                "lanes",
                                w.lanesBusy() + " / " + w.lanes(),
                                "done",
                                w.tasksDone(),
                                "age",
                                ago(Duration.between(w.heartbeatAt(), now)),
                                "lost",
                                Duration.between(w.heartbeatAt(), now).compareTo(LOST) > 0))
                        .toList());
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

    @GetMapping("/models")
    public String modelsPage(Model model) {
        model.addAttribute("models", models.list(null, 0, 200));
        return "models";
    }

    @GetMapping("/datasets")
    public String datasetsPage(Model model) {
        model.addAttribute("datasets", datasets.list(null, 0, 200));
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
                job.error());
    }

    private static String strategy(Plan plan) {
        return switch (plan) {
            case Plan.ModelParallelInference p -> p.strategy() + " (" + split(p.model()) + ")";
            case Plan.PipelinedGeneration p -> p.strategy() + " (" + split(p.model()) + ")";
            case Plan.PipelineTraining p -> "PIPELINE " + p.training().stages();
            case Plan.DataInference p -> p.strategy().name();
            case Plan.Generation p -> p.strategy().name();
            case Plan.DataParallelTraining p -> p.strategy().name();
        };
    }

    private static String split(Plan.ModelPlan model) {
        return model.strategy() + " " + model.modelShards();
    }

    private static String ago(Duration d) {
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

    /** "0: gpu(0), 1: gpu(1)": each lane's device as the worker reports it, in lane order. */
    private static String lanesOn(List<String> devices) {
        return IntStream.range(0, devices.size())
                .mapToObj(lane -> lane + ": " + devices.get(lane))
                .collect(Collectors.joining(", "));
    }
}
