package io.shardflow.bench.scenarios;

import io.shardflow.bench.BenchContext;
import io.shardflow.bench.Http;
import io.shardflow.bench.Report;
import io.shardflow.bench.Scenario;
import io.shardflow.bench.Stats;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Two tenants, each with an API key of its own, one queuing ten times the jobs of the other (every job the same
 * size); each tenant's share of the lane-time, over the run and in windows while both have work, against the
 * share its weight gives it: once with equal weights, once with 2:1 for the larger one set through
 * {@code PUT /api/v1/tenants/{tenant}/quota} (skipped, with a note, on a build without it).
 */
public class FairShareScenario implements Scenario {
    private static final int WIDTH = 1024;
    private static final int SHARDS = 4;

    @Override
    public String name() {
        return "fair-share";
    }

    @Override
    public String summary() {
        return "two tenants, one queuing 10× the jobs of the other: each one's share of lane-time against its weight";
    }

    /** One run of both tenants' backlogs and the shares measured in it; times in seconds from the first submit. */
    private record Result(
            double expectedB,
            double shareA,
            double shareB,
            double worstDeviation,
            int windows,
            double windowSeconds,
            double bothSeconds,
            double makespanB,
            double makespan,
            double shardSeconds,
            List<double[]> curve,
            double bothStart,
            double bothEnd) {

        double deviationA() {
            return shareA / (1 - expectedB) - 1;
        }

        double deviationB() {
            return shareB / expectedB - 1;
        }
    }

    @Override
    public Report.Section run(BenchContext context) throws Exception {
        String title = "Fair share: two tenants, one with 10× the jobs";
        String jdbcUrl = context.jdbcUrl();
        if (jdbcUrl == null) {
            return new Report.Section(
                    title, "Skipped: it reads shard times from the platform's database; give --jdbc.");
        }
        var options = context.options();
        var admin = context.api();
        boolean quick = options.quick();
        int jobsB = quick ? 4 : 8;
        int jobsA = 10 * jobsB;
        long rowsPerShard = 4_000;
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String tenantA = "bench-a-" + suffix;
        String tenantB = "bench-b-" + suffix;
        var a = SizedJobs.create(tenant(admin, tenantA), "fair-a", WIDTH, rowsPerShard * SHARDS, SHARDS);
        var b = SizedJobs.create(tenant(admin, tenantB), "fair-b", WIDTH, rowsPerShard * SHARDS, SHARDS);
        int[] refused = {0};
        // warm-up: each tenant's model loaded
        SizedJobs.awaitEnded(admin, List.of(a.submit(0, refused), b.submit(0, refused)));
        int lanes = LaneTime.liveLanes(jdbcUrl);

        var equal = new ArrayList<Result>();
        for (int r = 0; r < options.repeats(); r++) {
            equal.add(once(jdbcUrl, admin, a, b, jobsA, jobsB, 0.5, refused));
            print("equal weights", r, equal.getLast());
        }
        var weighted = new ArrayList<Result>();
        @Nullable String skipped = null;
        var quotaA = admin.get("/api/v1/tenants/" + tenantA + "/quota");
        var quotaB = admin.get("/api/v1/tenants/" + tenantB + "/quota");
        if (quotaA.status() / 100 != 2 || quotaB.status() / 100 != 2) {
            skipped = "`GET /api/v1/tenants/{tenant}/quota` answered " + quotaA.status();
        } else {
            var setA = admin.put("/api/v1/tenants/" + tenantA + "/quota", withWeight(quotaA.body(), 2));
            var setB = admin.put("/api/v1/tenants/" + tenantB + "/quota", withWeight(quotaB.body(), 1));
            try {
                if (setA.status() / 100 != 2 || setB.status() / 100 != 2) {
                    skipped = "`PUT /api/v1/tenants/{tenant}/quota` answered " + setA.status() + " and " + setB.status()
                            + ": " + (setA.status() / 100 != 2 ? setA.body() : setB.body());
                } else {
                    for (int r = 0; r < options.repeats(); r++) {
                        weighted.add(once(jdbcUrl, admin, a, b, jobsA, jobsB, 1.0 / 3, refused));
                        print("weights 2:1", r, weighted.getLast());
                    }
                }
            } finally {
                restore(admin, tenantA, quotaA.body());
                restore(admin, tenantB, quotaB.body());
            }
        }
        if (skipped != null) {
            System.out.println("  weights 2:1 skipped: " + skipped);
        }
        var out = options.out();
        Path equalChart = Report.chartPath(out, "fair-share.png");
        draw(equalChart, "Fair share, equal weights", equal.getLast());
        String weightedText;
        if (weighted.isEmpty()) {
            weightedText = "Weights 2:1 skipped: " + skipped + " (a build without tenant quotas).";
        } else {
            Path weightedChart = Report.chartPath(out, "fair-share-weighted.png");
            draw(weightedChart, "Fair share, weights 2:1", weighted.getLast());
            weightedText = table("weights 2 (A) : 1 (B), set with `PUT /api/v1/tenants/{tenant}/quota`", weighted)
                    + "\n![lane-time shares, weights 2:1](" + Report.chartLink(out, weightedChart) + ")";
        }
        return new Report.Section(title, """
            Tenant A queues %d jobs, then tenant B queues %d, each with an API key of its own (SUBMITTER); every job \
            is the same: an MLP [64, %d, %d, 10] over %,d rows in %d shards of %,d rows (a shard took %s s on a lane), \
            on %d lanes. A tenant's share is its shards' lane-time over all shards' lane-time, from the shards' start \
            and finish times. "While both have work" runs from B's first submit until the first of the two has no \
            unfinished job; the worst window is the largest deviation of either tenant in windows of that span. \
            Deviation: share / the share its weight gives it − 1. Aim: within 10 %% of the weights while both have \
            work.%s

            %s
            ![lane-time shares, equal weights](%s)

            %s
            """.formatted(
                jobsA,
                jobsB,
                WIDTH,
                WIDTH,
                rowsPerShard * SHARDS,
                SHARDS,
                rowsPerShard,
                Stats.of(equal.stream().mapToDouble(Result::shardSeconds).toArray())
                        .spread("%.2f"),
                lanes,
                refused[0] > 0
                        ? " The platform refused " + refused[0] + " submit(s) with 429; each was sent again"
                                + " half a second later, so a backlog stayed as large as it admitted."
                        : "",
                table("equal weights", equal),
                Report.chartLink(out, equalChart),
                weightedText));
    }

    /** Both backlogs submitted (A's, then B's), run to the end, and measured. */
    private static Result once(
            String jdbcUrl, Http admin, SizedJobs a, SizedJobs b, int jobsA, int jobsB, double expectedB, int[] refused)
            throws Exception {
        var idsA = new ArrayList<String>();
        var idsB = new ArrayList<String>();
        for (int i = 0; i < jobsA; i++) {
            idsA.add(a.submit(0, refused));
        }
        for (int i = 0; i < jobsB; i++) {
            idsB.add(b.submit(0, refused));
        }
        var all = new ArrayList<>(idsA);
        all.addAll(idsB);
        SizedJobs.awaitEnded(admin, all);
        var runs = LaneTime.shards(jdbcUrl, all);
        var spans = LaneTime.jobs(jdbcUrl, all);
        var setA = Set.copyOf(idsA);
        Instant first = spans.stream()
                .map(LaneTime.JobSpan::created)
                .min(Comparator.naturalOrder())
                .orElseThrow();
        Instant firstB = first(spans, idsB, true);
        Instant firstA = first(spans, idsA, true);
        Instant lastA = first(spans, idsA, false);
        Instant lastB = first(spans, idsB, false);
        Instant end = lastA.isAfter(lastB) ? lastA : lastB;
        Instant from = firstA.isAfter(firstB) ? firstA : firstB;
        Instant to = lastA.isBefore(lastB) ? lastA : lastB;
        double both = Math.max(0, LaneTime.seconds(from, to));
        double shard = Stats.of(
                        runs.stream().mapToDouble(LaneTime.ShardRun::seconds).toArray())
                .median();
        double busyA = LaneTime.busy(runs, from, to, run -> setA.contains(run.jobId()));
        double busyB = LaneTime.busy(runs, from, to, run -> !setA.contains(run.jobId()));
        double shareA = busyA + busyB > 0 ? busyA / (busyA + busyB) : Double.NaN;
        double shareB = busyA + busyB > 0 ? busyB / (busyA + busyB) : Double.NaN;
        // windows of a few shards each, so a window's share is not just which shard happened to end in it
        double width = Math.max(4 * shard, both / 20);
        int windows = both >= width ? (int) (both / width) : 0;
        double worst = 0;
        for (int w = 0; w < windows; w++) {
            Instant s = from.plusNanos((long) (w * width * 1e9));
            Instant e = from.plusNanos((long) ((w + 1) * width * 1e9));
            double wa = LaneTime.busy(runs, s, e, run -> setA.contains(run.jobId()));
            double wb = LaneTime.busy(runs, s, e, run -> !setA.contains(run.jobId()));
            if (wa + wb > 0) {
                worst = Math.max(worst, Math.abs(wa / (wa + wb) / (1 - expectedB) - 1));
                worst = Math.max(worst, Math.abs(wb / (wa + wb) / expectedB - 1));
            }
        }
        var curve = new ArrayList<double[]>();
        double total = LaneTime.seconds(first, end);
        for (double t = 0; t < total; t += width) {
            Instant s = first.plusNanos((long) (t * 1e9));
            Instant e = first.plusNanos((long) (Math.min(total, t + width) * 1e9));
            double wa = LaneTime.busy(runs, s, e, run -> setA.contains(run.jobId()));
            double wb = LaneTime.busy(runs, s, e, run -> !setA.contains(run.jobId()));
            if (wa + wb > 0) {
                curve.add(new double[] {Math.min(total, t + width / 2), wa / (wa + wb), wb / (wa + wb)});
            }
        }
        return new Result(
                expectedB,
                shareA,
                shareB,
                windows > 0 ? worst : Double.NaN,
                windows,
                width,
                both,
                LaneTime.seconds(firstB, lastB),
                total,
                shard,
                curve,
                LaneTime.seconds(first, from),
                LaneTime.seconds(first, to));
    }

    /** The first submit ({@code earliest}) or the last end of these jobs. */
    private static Instant first(List<LaneTime.JobSpan> spans, List<String> ids, boolean earliest) {
        var mine = Set.copyOf(ids);
        var times = spans.stream()
                .filter(span -> mine.contains(span.jobId()))
                .map(span -> earliest ? span.created() : span.finished())
                .filter(Objects::nonNull)
                .toList();
        return earliest
                ? times.stream().min(Comparator.naturalOrder()).orElseThrow()
                : times.stream().max(Comparator.naturalOrder()).orElseThrow();
    }

    private static String table(String label, List<Result> results) {
        return """
            %s, %d run(s):

            | | tenant A (%d× the jobs) | tenant B |
            | --- | --- | --- |
            | share its weight gives it | %.3f | %.3f |
            | share of lane-time while both have work | %s | %s |
            | deviation | %s %% | %s %% |
            | worst window's deviation (either tenant) | %s %% | |
            | while both have work: seconds, windows | %s s, %s × %s s | |
            | its last job done, seconds after B's first submit | | %s s |
            | all jobs done, seconds after the first submit | %s s | |
            """.formatted(
                        label,
                        results.size(),
                        10,
                        1 - results.getFirst().expectedB(),
                        results.getFirst().expectedB(),
                        spread(results, Result::shareA, "%.3f", 1),
                        spread(results, Result::shareB, "%.3f", 1),
                        spread(results, Result::deviationA, "%+.0f", 100),
                        spread(results, Result::deviationB, "%+.0f", 100),
                        spread(results, Result::worstDeviation, "%.0f", 100),
                        spread(results, Result::bothSeconds, "%.1f", 1),
                        spread(results, r -> r.windows(), "%.0f", 1),
                        spread(results, Result::windowSeconds, "%.1f", 1),
                        spread(results, Result::makespanB, "%.1f", 1),
                        spread(results, Result::makespan, "%.1f", 1));
    }

    private static String spread(List<Result> results, ToDoubleFunction<Result> field, String format, double scale) {
        return Stats.of(results.stream()
                        .mapToDouble(r -> field.applyAsDouble(r) * scale)
                        .toArray())
                .spread(format);
    }

    /** Each tenant's share per window over the whole run, the shares the weights give, and the span both had work. */
    private static void draw(Path file, String title, Result result) throws IOException {
        var data = new XYSeriesCollection();
        var a = new XYSeries("tenant A");
        var b = new XYSeries("tenant B");
        for (double[] point : result.curve()) {
            a.add(point[0], point[1]);
            b.add(point[0], point[2]);
        }
        var expectedA = new XYSeries("A's weight share");
        var expectedB = new XYSeries("B's weight share");
        expectedA.add(0, 1 - result.expectedB());
        expectedA.add(result.makespan(), 1 - result.expectedB());
        expectedB.add(0, result.expectedB());
        expectedB.add(result.makespan(), result.expectedB());
        data.addSeries(a);
        data.addSeries(b);
        data.addSeries(expectedA);
        data.addSeries(expectedB);
        var chart = ChartFactory.createXYLineChart(
                title, "seconds since the first submit", "share of lane-time in the window", data);
        chart.setBackgroundPaint(Color.WHITE);
        var plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.getRangeAxis().setRange(0, 1.05);
        var renderer = plot.getRenderer();
        var blue = new Color(0x2f6db5);
        var orange = new Color(0xd9822b);
        renderer.setSeriesPaint(0, blue);
        renderer.setSeriesPaint(1, orange);
        renderer.setSeriesPaint(2, blue);
        renderer.setSeriesPaint(3, orange);
        var dashed = new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {6, 6}, 0);
        renderer.setSeriesStroke(0, new BasicStroke(2.5f));
        renderer.setSeriesStroke(1, new BasicStroke(2.5f));
        renderer.setSeriesStroke(2, dashed);
        renderer.setSeriesStroke(3, dashed);
        for (double at : new double[] {result.bothStart(), result.bothEnd()}) {
            var marker = new ValueMarker(at);
            marker.setPaint(Color.GRAY);
            plot.addDomainMarker(marker);
        }
        Files.createDirectories(file.getParent());
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 720, 420);
    }

    /** The API as a SUBMITTER key of {@code tenant}, made with the admin key. */
    private static Http tenant(Http admin, String tenant) {
        var created = admin.ok(
                "/api/v1/api-keys",
                Map.of("name", "bench fair-share " + tenant, "tenant", tenant, "roles", List.of("SUBMITTER")));
        return new Http(admin.base(), created.get("key").asString());
    }

    /** Puts the quota back as it was read: the defaults again (DELETE) where the tenant had no quota of its own. */
    private static void restore(Http admin, String tenant, JsonNode quota) {
        String path = "/api/v1/tenants/" + tenant + "/quota";
        if ("default".equals(quota.path("source").asString(""))) {
            admin.delete(path);
        } else {
            admin.put(path, body(quota));
        }
    }

    /** The quota as read, with another weight. */
    private static Map<String, @Nullable Object> withWeight(JsonNode quota, double weight) {
        var body = body(quota);
        body.put("weight", weight);
        return body;
    }

    /**
     * The quota's four fields as {@code PUT} takes them (the request reader refuses unknown fields, and a {@code GET}
     * may show more, such as the tenant); a field the {@code GET} leaves out or shows null stays null: no cap.
     */
    private static Map<String, @Nullable Object> body(JsonNode quota) {
        var body = new LinkedHashMap<String, @Nullable Object>();
        for (String field : List.of("maxRunningShards", "maxQueuedJobs", "weight", "maxStorageBytes")) {
            var value = quota.get(field);
            body.put(field, value == null || value.isNull() ? null : value.numberValue());
        }
        return body;
    }

    private static void print(String label, int r, Result result) {
        System.out.printf(
                "  %s, run %d: B's share %.3f (weight share %.3f) over %.1f s while both had work, worst of %d windows"
                        + " %.0f %% off; B done %.1f s after its first submit, everything in %.1f s%n",
                label,
                r + 1,
                result.shareB(),
                result.expectedB(),
                result.bothSeconds(),
                result.windows(),
                result.worstDeviation() * 100,
                result.makespanB(),
                result.makespan());
    }
}
