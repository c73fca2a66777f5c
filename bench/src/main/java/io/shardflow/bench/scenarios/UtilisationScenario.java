package io.shardflow.bench.scenarios;

import io.shardflow.bench.BenchContext;
import io.shardflow.bench.Http;
import io.shardflow.bench.Platform;
import io.shardflow.bench.Report;
import io.shardflow.bench.Scenario;
import io.shardflow.bench.Stats;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A queue of long and short jobs, submitted at once in a shuffled order, on the bench's platform joined by two
 * worker processes of one lane each: how busy the lanes are while work waits (busy lane-time over lanes × the span
 * from the first submit until the last shard has started, when nothing waits any more), and the makespan against
 * the ideal (all shards' lane-time spread evenly over the lanes, and never under the longest shard).
 */
public class UtilisationScenario implements Scenario {
    private static final int WIDTH = 1024;
    private static final int SHARDS = 2;
    private static final int EXTRA_WORKERS = 2;
    /** Room for a window of rows; the parameters and activations live in PyTorch's memory, outside the heap. */
    private static final String HEAP = "384m";

    @Override
    public String name() {
        return "utilisation";
    }

    @Override
    public String summary() {
        return "long and short jobs queued at once on several workers: lane utilisation while work waits, makespan vs ideal";
    }

    private record Result(
            double utilisation,
            double waitingSeconds,
            double makespan,
            double ideal,
            double laneSeconds,
            double longest,
            double longShard,
            double shortShard,
            int peak,
            List<LaneTime.ShardRun> runs,
            Instant first) {}

    @Override
    public Report.Section run(BenchContext context) throws Exception {
        String title = "Utilisation: long and short jobs on several workers";
        Platform platform = context.platform();
        String jdbcUrl = context.jdbcUrl();
        if (platform == null || jdbcUrl == null) {
            return new Report.Section(
                    title, "Skipped: it starts worker processes of its own beside the platform; run it without --api.");
        }
        var options = context.options();
        var api = context.api();
        boolean quick = options.quick();
        int longJobs = quick ? 4 : 16;
        int shortJobs = quick ? 20 : 80;
        long shortRows = 1_000;
        long longRows = 15 * shortRows;
        int before = LaneTime.liveLanes(jdbcUrl);
        var workers = new ArrayList<Platform.Worker>();
        try {
            for (int w = 0; w < EXTRA_WORKERS; w++) {
                workers.add(platform.startWorker(context.jar(), HEAP, "--shardflow.worker.lanes=1"));
            }
            int lanes = awaitLanes(jdbcUrl, before + EXTRA_WORKERS, Duration.ofSeconds(30));
            String suffix = UUID.randomUUID().toString().substring(0, 8);
            var shortJob = SizedJobs.create(api, "util-short-" + suffix, WIDTH, shortRows * SHARDS, SHARDS);
            var longJob = SizedJobs.create(api, "util-long-" + suffix, WIDTH, longRows * SHARDS, SHARDS);
            int[] refused = {0};
            // warm-up: both models loaded on the lanes (tasks spread over them), then the lanes idle
            var warm = new ArrayList<String>();
            for (int i = 0; i < lanes; i++) {
                warm.add(shortJob.submit(0, refused));
                warm.add(longJob.submit(0, refused));
            }
            SizedJobs.awaitEnded(api, warm);
            var results = new ArrayList<Result>();
            for (int r = 0; r < options.repeats(); r++) {
                results.add(once(jdbcUrl, api, shortJob, longJob, shortJobs, longJobs, lanes, refused, r));
                var last = results.getLast();
                System.out.printf(
                        "  run %d: utilisation while work waited %.3f over %.1f s; makespan %.1f s, ideal %.1f s"
                                + " (%.2f×); shards long %.2f s, short %.2f s; at most %d running at once on %d lanes%n",
                        r + 1,
                        last.utilisation(),
                        last.waitingSeconds(),
                        last.makespan(),
                        last.ideal(),
                        last.makespan() / last.ideal(),
                        last.longShard(),
                        last.shortShard(),
                        last.peak(),
                        lanes);
            }
            Path chart = Report.chartPath(options.out(), "utilisation.png");
            draw(chart, results.getLast(), lanes);
            return new Report.Section(title, """
                %d long and %d short inference jobs submitted at once in a shuffled order, each an MLP [64, %d, %d, 10] \
                over a dataset of its own in %d shards (long: %,d rows a shard, short: %,d), on %d lanes: the bench's \
                platform (%d) and %d worker processes of one lane each (`-Xmx%s`), all on this machine's %d cores. \
                Utilisation while work waits: the shards' lane-time from the first submit until the last shard started \
                (nothing waits after it), over lanes × that span. Ideal makespan: all shards' lane-time over the lanes, \
                or the longest shard if that is longer; measured from the shards' start and finish times, on lanes that \
                share the cores (a shard runs slower while others run beside it).

                | | %d run(s) |
                | --- | --- |
                | lane utilisation while work waits | **%s** (aim: ≥ 0.95) |
                | span while work waited | %s s |
                | makespan: first submit → last job done | %s s |
                | ideal: lane-time %s s / %d lanes, at least the longest shard (%s s) | %s s |
                | makespan / ideal | **%s×** |
                | shard on a lane: long, short (medians) | %s s, %s s |
                | most shards running at once | %s (%d lanes) |
                %s
                ![lanes busy over time](%s)
                """.formatted(
                            longJobs,
                            shortJobs,
                            WIDTH,
                            WIDTH,
                            SHARDS,
                            longRows,
                            shortRows,
                            lanes,
                            before,
                            EXTRA_WORKERS,
                            HEAP,
                            Runtime.getRuntime().availableProcessors(),
                            results.size(),
                            spread(results, Result::utilisation, "%.3f"),
                            spread(results, Result::waitingSeconds, "%.1f"),
                            spread(results, Result::makespan, "%.1f"),
                            spread(results, Result::laneSeconds, "%.1f"),
                            lanes,
                            spread(results, Result::longest, "%.2f"),
                            spread(results, Result::ideal, "%.1f"),
                            spread(results, r -> r.makespan() / r.ideal(), "%.2f"),
                            spread(results, Result::longShard, "%.2f"),
                            spread(results, Result::shortShard, "%.2f"),
                            spread(results, r -> r.peak(), "%.0f"),
                            lanes,
                            refused[0] > 0
                                    ? "\nThe platform refused " + refused[0]
                                            + " submit(s) with 429; each was sent again half a second later.\n"
                                    : "",
                            Report.chartLink(options.out(), chart)));
        } finally {
            for (var worker : workers) {
                worker.close();
            }
        }
    }

    private static Result once(
            String jdbcUrl,
            Http api,
            SizedJobs shortJob,
            SizedJobs longJob,
            int shortJobs,
            int longJobs,
            int lanes,
            int[] refused,
            int repeat)
            throws Exception {
        var kinds = new ArrayList<Boolean>();
        for (int i = 0; i < longJobs; i++) {
            kinds.add(true);
        }
        for (int i = 0; i < shortJobs; i++) {
            kinds.add(false);
        }
        Collections.shuffle(kinds, new Random(5 + repeat));
        var ids = new ArrayList<String>();
        var longIds = new ArrayList<String>();
        for (boolean isLong : kinds) {
            String id = (isLong ? longJob : shortJob).submit(0, refused);
            ids.add(id);
            if (isLong) {
                longIds.add(id);
            }
        }
        SizedJobs.awaitEnded(api, ids);
        var runs = LaneTime.shards(jdbcUrl, ids);
        var spans = LaneTime.jobs(jdbcUrl, ids);
        Instant first = spans.stream()
                .map(LaneTime.JobSpan::created)
                .min(Comparator.naturalOrder())
                .orElseThrow();
        Instant done = spans.stream()
                .map(LaneTime.JobSpan::finished)
                .filter(Objects::nonNull)
                .max(Comparator.naturalOrder())
                .orElseThrow();
        Instant lastStart = runs.stream()
                .map(LaneTime.ShardRun::start)
                .max(Comparator.naturalOrder())
                .orElseThrow();
        double waiting = LaneTime.seconds(first, lastStart);
        double busy = LaneTime.busy(runs, first, lastStart, run -> true);
        double laneSeconds =
                runs.stream().mapToDouble(LaneTime.ShardRun::seconds).sum();
        double longest =
                runs.stream().mapToDouble(LaneTime.ShardRun::seconds).max().orElse(0);
        var longSet = Set.copyOf(longIds);
        return new Result(
                waiting > 0 ? busy / (lanes * waiting) : Double.NaN,
                waiting,
                LaneTime.seconds(first, done),
                Math.max(laneSeconds / lanes, longest),
                laneSeconds,
                longest,
                median(runs, run -> longSet.contains(run.jobId())),
                median(runs, run -> !longSet.contains(run.jobId())),
                LaneTime.peak(runs),
                runs,
                first);
    }

    private static double median(List<LaneTime.ShardRun> runs, Predicate<LaneTime.ShardRun> which) {
        return Stats.of(runs.stream()
                        .filter(which)
                        .mapToDouble(LaneTime.ShardRun::seconds)
                        .toArray())
                .median();
    }

    /** Waits until the workers' heartbeats report {@code lanes} lanes; returns what they report then. */
    private static int awaitLanes(String jdbcUrl, int lanes, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        int live = LaneTime.liveLanes(jdbcUrl);
        while (live < lanes && System.nanoTime() < deadline) {
            Thread.sleep(200);
            live = LaneTime.liveLanes(jdbcUrl);
        }
        return live;
    }

    private static String spread(List<Result> results, ToDoubleFunction<Result> field, String format) {
        return Stats.of(results.stream().mapToDouble(field).toArray()).spread(format);
    }

    /** Shards running over time, every 50 ms from the first submit, beside the lane count. */
    private static void draw(Path file, Result result, int lanes) throws IOException {
        var busy = new XYSeries("shards running");
        var all = new XYSeries("lanes");
        double end = result.makespan();
        for (double t = 0; t <= end; t += 0.05) {
            Instant at = result.first().plusNanos((long) (t * 1e9));
            long running = result.runs().stream()
                    .filter(run -> !run.start().isAfter(at)
                            && (run.end() == null || run.end().isAfter(at)))
                    .count();
            busy.add(t, running);
        }
        all.add(0, lanes);
        all.add(end, lanes);
        var data = new XYSeriesCollection();
        data.addSeries(busy);
        data.addSeries(all);
        var chart = ChartFactory.createXYLineChart(
                "Utilisation: lanes busy while the queue drains", "seconds since the first submit", "lanes", data);
        chart.setBackgroundPaint(Color.WHITE);
        var plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.getRangeAxis().setRange(0, lanes + 0.5);
        plot.getRenderer().setSeriesPaint(0, new Color(0x2f6db5));
        plot.getRenderer().setSeriesPaint(1, Color.GRAY);
        plot.getRenderer()
                .setSeriesStroke(
                        1,
                        new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 6}, 0));
        Files.createDirectories(file.getParent());
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 720, 420);
    }
}
