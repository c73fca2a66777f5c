package io.shardflow.bench.scenarios;

import io.shardflow.bench.BenchContext;
import io.shardflow.bench.Http;
import io.shardflow.bench.Platform;
import io.shardflow.bench.Report;
import io.shardflow.bench.Scenario;
import io.shardflow.bench.Stats;
import io.shardflow.core.messaging.MessageCodec;
import io.shardflow.core.messaging.TaskKind;
import io.shardflow.core.models.GptArchitecture;
import io.shardflow.core.planning.Plan;
import io.shardflow.core.planning.PlanDocument;
import java.nio.charset.StandardCharsets;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * Model-parallel training of a byte-level gpt on two worker processes (one lane each) beside a platform that runs
 * only the API and the scheduler: the same model on the same text as DATA 2, PIPELINE 2 (two stages, two
 * micro-batches) and TENSOR 2, side by side. Per split: the time per optimiser step, where it goes (the lanes'
 * compute from the job's shard rows, and the time no lane computes: queueing, merges and dispatch between rounds),
 * the tasks a step runs by kind, and each worker's peak resident memory.
 */
public class MpTrainingScenario implements Scenario {
    /** As {@link ModelParallelScenario}: room for a batch and its activations; the parameters live in PyTorch's memory. */
    private static final String HEAP = "512m";
    /** The text the generator learns its word pairs from: Genesis 1:1–8, King James Version (public domain). */
    private static final String SOURCE = """
            In the beginning God created the heaven and the earth. And the earth was without form, and void; and \
            darkness was upon the face of the deep. And the Spirit of God moved upon the face of the waters. And God \
            said, Let there be light: and there was light. And God saw the light, that it was good: and God divided \
            the light from the darkness. And God called the light Day, and the darkness he called Night. And the \
            evening and the morning were the first day. And God said, Let there be a firmament in the midst of the \
            waters, and let it divide the waters from the waters. And God made the firmament, and divided the waters \
            which were under the firmament from the waters which were above the firmament: and it was so. And God \
            called the firmament Heaven. And the evening and the morning were the second day.""";

    @Override
    public String name() {
        return "mp-training";
    }

    @Override
    public String summary() {
        return "a byte-level gpt trained DATA 2, PIPELINE 2 and TENSOR 2 on two one-lane workers: time per step, "
                + "where it goes, tasks per step, peak memory per worker";
    }

    /** The model and the run: a gpt of {@code layers} blocks, {@code steps} optimiser steps of {@code batch} windows. */
    private record Size(
            int layers, int heads, int dModel, int context, int steps, int warmUpSteps, int batch, int textBytes) {
        GptArchitecture architecture() {
            return new GptArchitecture(layers, heads, dModel, context);
        }

        Map<String, Object> json() {
            return Map.of("kind", "gpt", "layers", layers, "heads", heads, "dModel", dModel, "context", context);
        }
    }

    /**
     * One training job, read back from the platform's rows: its wall time (started to finished), its DONE shards'
     * compute summed over lanes, the time at least one and both lanes computed, the gaps with none computing between
     * its first and last shard, the tasks by kind, and the loss of its last step.
     */
    private record Run(
            int steps,
            double wallMillis,
            double computeMillis,
            double anyMillis,
            double bothMillis,
            int gaps,
            double gapMillis,
            Map<TaskKind, Integer> tasks,
            double loss,
            @Nullable JobTimeline timeline) {
        double perStep(double millis) {
            return millis / steps;
        }

        int totalTasks() {
            return tasks.values().stream().mapToInt(Integer::intValue).sum();
        }

        int tasksPerStep() {
            return totalTasks() / steps;
        }

        /** Wall time with no lane computing: the job's way in and out, and every hop between rounds. */
        double idleMillis() {
            return wallMillis - anyMillis;
        }
    }

    /** A split's runs, and the peak resident memory of each of the two workers that ran it. */
    private record Result(String split, List<Run> runs, long peakOne, long peakTwo) {
        double median(ToDoubleFunction<Run> value) {
            return Stats.of(runs.stream().map(value::applyAsDouble).toList()).median();
        }

        String spread(ToDoubleFunction<Run> value, String format) {
            return Stats.of(runs.stream().map(value::applyAsDouble).toList()).spread(format);
        }

        double best(ToDoubleFunction<Run> value) {
            return Stats.of(runs.stream().map(value::applyAsDouble).toList()).min();
        }
    }

    @Override
    public Report.Section run(BenchContext context) throws Exception {
        String title = "Model-parallel training: a gpt split DATA, PIPELINE and TENSOR";
        if (context.platform() == null) {
            return new Report.Section(
                    title, "Skipped: it starts a platform and worker processes of its own; run it without --api.");
        }
        boolean quick = context.options().quick();
        var size = quick ? new Size(2, 2, 32, 32, 5, 1, 8, 16_384) : new Size(4, 4, 128, 64, 20, 2, 16, 65_536);
        var splits = new LinkedHashMap<String, Map<String, Object>>();
        splits.put("DATA 2", Map.of("strategy", "DATA", "dataShards", 2));
        splits.put("PIPELINE 2", Map.of("strategy", "PIPELINE", "modelShards", 2, "microBatches", 2));
        splits.put("TENSOR 2", Map.of("strategy", "TENSOR", "modelShards", 2));
        long started = System.nanoTime();
        try (var platform = Platform.start(context.jar(), "--shardflow.standalone.services=api,scheduler")) {
            var api = platform.api();
            String text = text(size.textBytes());
            String datasetId = api.ok(
                            "/api/v1/datasets?name=mp-training-" + UUID.randomUUID() + "&format=text",
                            "text/plain; charset=utf-8",
                            text)
                    .get("id")
                    .asString();
            var results = new ArrayList<Result>();
            if (quick) {
                // one pair of workers for all three: quicker, but their peak memory is the largest of the three
                try (var one = platform.startWorker(context.jar(), HEAP, "--shardflow.worker.lanes=1");
                        var two = platform.startWorker(context.jar(), HEAP, "--shardflow.worker.lanes=1")) {
                    for (var split : splits.entrySet()) {
                        results.add(measure(context, api, platform, datasetId, size, split, one, two));
                    }
                }
            } else {
                for (var split : splits.entrySet()) {
                    // fresh workers per split, so their peak memory is this split's
                    try (var one = platform.startWorker(context.jar(), HEAP, "--shardflow.worker.lanes=1");
                            var two = platform.startWorker(context.jar(), HEAP, "--shardflow.worker.lanes=1")) {
                        results.add(measure(context, api, platform, datasetId, size, split, one, two));
                    }
                }
            }
            double minutes = (System.nanoTime() - started) / 60e9;
            return new Report.Section(
                    title, section(size, text, results, quick, context.options().repeats(), minutes));
        }
    }

    private static Result measure(
            BenchContext context,
            Http api,
            Platform platform,
            String datasetId,
            Size size,
            Map.Entry<String, Map<String, Object>> split,
            Platform.Worker one,
            Platform.Worker two)
            throws Exception {
        // a short job first: the workers load PyTorch and the model's code path before the measured runs
        train(api, platform.jdbcUrl(), datasetId, size, size.warmUpSteps(), split.getValue());
        var runs = new ArrayList<Run>();
        for (int r = 0; r < context.options().repeats(); r++) {
            var run = train(api, platform.jdbcUrl(), datasetId, size, size.steps(), split.getValue());
            System.out.printf(
                    "  %s run %d: %.0f ms per step, %d tasks per step %s, lanes computing %.0f lane-ms per step, "
                            + "none computing %.0f ms per step; %s%n",
                    split.getKey(),
                    r + 1,
                    run.perStep(run.wallMillis()),
                    run.tasksPerStep(),
                    run.tasks(),
                    run.perStep(run.computeMillis()),
                    run.perStep(run.idleMillis()),
                    run.timeline() != null ? run.timeline().summary() : "no timeline");
            runs.add(run);
        }
        return new Result(split.getKey(), runs, one.peakResidentMiB(), two.peakResidentMiB());
    }

    private static Run train(
            Http api, String jdbcUrl, String datasetId, Size size, int steps, Map<String, Object> parallelism)
            throws Exception {
        var job = new LinkedHashMap<String, Object>();
        job.put("type", "TRAINING");
        job.put("model", Map.of("architecture", size.json()));
        job.put("dataset", Map.of("id", datasetId));
        job.put("parallelism", parallelism);
        job.put(
                "training",
                Map.of(
                        "steps",
                        steps,
                        "batchSize",
                        size.batch(),
                        "optimizer",
                        "adam",
                        "learningRate",
                        0.003,
                        "seed",
                        5,
                        "validationSplit",
                        0));
        var submitted = Instant.now();
        String id = api.ok("/api/v1/jobs", job).get("id").asString();
        JsonNode done = api.awaitJob(id, 100);
        var seen = Instant.now();
        var timeline = JobTimeline.of(
                jdbcUrl,
                new InferenceWorkload.Run(id, Duration.between(submitted, seen).toNanos() / 1e9, submitted, seen));
        JsonNode loss = done.path("metrics").path("loss");
        return shards(jdbcUrl, id, steps, loss.isNumber() ? loss.asDouble() : Double.NaN, timeline);
    }

    /** The job's figures from its own rows: its times, its plan and its DONE shards, each shard's kind the plan's. */
    private static Run shards(String jdbcUrl, String jobId, int steps, double loss, @Nullable JobTimeline timeline)
            throws Exception {
        try (var connection = DriverManager.getConnection(jdbcUrl, "postgres", "")) {
            Instant jobStart;
            Instant jobEnd;
            Plan plan;
            try (var statement =
                    connection.prepareStatement("select started_at, finished_at, plan::text from jobs where id = ?")) {
                statement.setObject(1, UUID.fromString(jobId));
                try (var rs = statement.executeQuery()) {
                    rs.next();
                    jobStart = rs.getTimestamp(1).toInstant();
                    jobEnd = rs.getTimestamp(2).toInstant();
                    plan = MessageCodec.decode(rs.getString(3).getBytes(StandardCharsets.UTF_8), PlanDocument.class)
                            .plan();
                }
            }
            var intervals = new ArrayList<double[]>();
            var tasks = new EnumMap<TaskKind, Integer>(TaskKind.class);
            double compute = 0;
            try (var statement = connection.prepareStatement(
                    "select step, stage, started_at, finished_at from shards where job_id = ? and status = 'DONE'")) {
                statement.setObject(1, UUID.fromString(jobId));
                try (var rs = statement.executeQuery()) {
                    while (rs.next()) {
                        tasks.merge(plan.taskKind(rs.getInt(1), rs.getInt(2)), 1, Integer::sum);
                        double from = millis(jobStart, rs.getTimestamp(3).toInstant());
                        double to = millis(jobStart, rs.getTimestamp(4).toInstant());
                        intervals.add(new double[] {from, to});
                        compute += to - from;
                    }
                }
            }
            double wall = millis(jobStart, jobEnd);
            var busy = busy(intervals);
            return new Run(steps, wall, compute, busy[0], busy[1], (int) busy[2], busy[3], tasks, loss, timeline);
        }
    }

    /**
     * A sweep over the shards' intervals: the time at least one lane computes, the time two do, and the gaps with
     * none computing between the first start and the last end (their count and total).
     */
    static double[] busy(List<double[]> intervals) {
        var events = new ArrayList<double[]>();
        for (var interval : intervals) {
            events.add(new double[] {interval[0], 1});
            events.add(new double[] {interval[1], -1});
        }
        // at one instant, a start before an end: a lane's next task that starts as the other's ends leaves no gap
        events.sort((a, b) -> a[0] != b[0] ? Double.compare(a[0], b[0]) : Double.compare(b[1], a[1]));
        double any = 0;
        double both = 0;
        int gaps = 0;
        double gapMillis = 0;
        int active = 0;
        double last = events.isEmpty() ? 0 : events.getFirst()[0];
        for (var event : events) {
            double span = event[0] - last;
            if (active >= 1) {
                any += span;
            }
            if (active >= 2) {
                both += span;
            }
            if (active == 0 && span > 0) {
                gaps++;
                gapMillis += span;
            }
            active += (int) event[1];
            last = event[0];
        }
        return new double[] {any, both, gaps, gapMillis};
    }

    private static double millis(Instant from, Instant to) {
        return Duration.between(from, to).toNanos() / 1e6;
    }

    private static String section(
            Size size, String text, List<Result> results, boolean quick, int repeats, double minutes) {
        var data = results.getFirst();
        double dataStep = data.median(r -> r.perStep(r.wallMillis()));
        var timing = new StringBuilder("""
                | split | ms per step | best | vs DATA | tasks per step | loss after the last step | peak RSS, worker 1 / 2 |
                | --- | --- | --- | --- | --- | --- | --- |
                """);
        var where = new StringBuilder("""
                | split | ms per step | lane compute per step (Σ shards) | one lane computing | both lanes computing | no lane computing | gaps per step, mean gap | mean task |
                | --- | --- | --- | --- | --- | --- | --- | --- |
                """);
        for (var r : results) {
            timing.append("| %s | %s | %.0f | %.2f× | %d (%s) | %s | %d / %d MiB |\n"
                    .formatted(
                            r.split(),
                            r.spread(run -> run.perStep(run.wallMillis()), "%.0f"),
                            r.best(run -> run.perStep(run.wallMillis())),
                            r.median(run -> run.perStep(run.wallMillis())) / dataStep,
                            r.runs().getFirst().tasksPerStep(),
                            kinds(r.runs().getFirst()),
                            r.spread(Run::loss, "%.3f"),
                            r.peakOne(),
                            r.peakTwo()));
            where.append(
                    "| %s | %.0f | %.0f lane-ms | %.0f ms (%.0f%%) | %.0f ms (%.0f%%) | %.0f ms (%.0f%%) | %.1f, %.1f ms | %.1f ms |\n"
                            .formatted(
                                    r.split(),
                                    r.median(run -> run.perStep(run.wallMillis())),
                                    r.median(run -> run.perStep(run.computeMillis())),
                                    r.median(run -> run.perStep(run.anyMillis() - run.bothMillis())),
                                    r.median(run -> 100 * (run.anyMillis() - run.bothMillis()) / run.wallMillis()),
                                    r.median(run -> run.perStep(run.bothMillis())),
                                    r.median(run -> 100 * run.bothMillis() / run.wallMillis()),
                                    r.median(run -> run.perStep(run.idleMillis())),
                                    r.median(run -> 100 * run.idleMillis() / run.wallMillis()),
                                    r.median(run -> (double) run.gaps() / run.steps()),
                                    r.median(run -> run.gaps() == 0 ? 0 : run.gapMillis() / run.gaps()),
                                    r.median(run -> run.computeMillis() / run.totalTasks())));
        }
        var architecture = size.architecture();
        return """
            A byte-level gpt (%d blocks, %d heads, d_model %d, context %d: %.2f M parameters, %.1f MB of float32) \
            trained for %d Adam steps of %d windows (learning rate 0.003, seed 5, no validation) on %,d bytes of \
            pseudo-English: a word-pair (Markov) chain over Genesis 1:1–8 (King James Version, public domain) \
            walked by a seeded generator, so every run trains on the same text. Two worker processes of one lane \
            each and a %s heap, the API and the scheduler in a third process. DATA 2 gives each worker half of each \
            batch and the whole model (one GRADIENT task per data shard per step, averaged and applied by the \
            scheduler); PIPELINE 2 cuts the blocks into two stages (the embeddings with the first, the head with the last) and each batch into 2 micro-batches; TENSOR 2 splits \
            every block's attention by heads and its MLP by hidden units (Megatron). A model-parallel step is rounds \
            of small tasks (SPLIT_FORWARD, SPLIT_LAST, SPLIT_BACKWARD) and one SPLIT_UPDATE per model shard, each \
            round's outputs merged by the scheduler. Time per step is the job's wall time (started to finished) over \
            its steps (the median over %d measured run(s) per split, and the best), after a %d-step warm-up job per split.

            %s
            Where the time goes, per step (medians over the runs), from the job's shard rows in PostgreSQL (each \
            shard from a lane claiming it to its partial stored, so a task's compute includes reading its inputs and \
            storing its output): "lane compute" sums the shards' times over both lanes; the step's wall time splits \
            into the time one lane computes, the time both do, and the time none does: the job's start and end, and \
            every hop between rounds (a shard's notice to the scheduler, the merge, the next round's tasks queued, \
            dispatched and claimed). Gaps counts those idle stretches between the job's first and last shard; mean task is the shards' mean time.

            %s
            %s%s
            """.formatted(
                                size.layers(),
                                size.heads(),
                                size.dModel(),
                                size.context(),
                                architecture.parameterBytes() / 4 / 1e6,
                                architecture.parameterBytes() / 1e6,
                                size.steps(),
                                size.batch(),
                                text.length(),
                                HEAP,
                                repeats,
                                size.warmUpSteps(),
                                timing,
                                where,
                                interpretation(size, results, quick),
                                quick
                                        ? " (Quick run: a smaller model and fewer steps, and the same two workers ran all three "
                                                + "splits, so their peak memory is the largest of the three, not per split.)"
                                        : "")
                + "\nThe scenario took %.1f minutes, starting the platform and the workers included.\n"
                        .formatted(minutes);
    }

    private static String kinds(Run run) {
        return run.tasks().entrySet().stream()
                .map(e -> (e.getValue() / run.steps()) + " " + e.getKey())
                .collect(Collectors.joining(", "));
    }

    /** A few sentences read off the figures: what a split costs in time against DATA, why, and what it saves. */
    private static String interpretation(Size size, List<Result> results, boolean quick) {
        var data = results.getFirst();
        var splits = results.subList(1, results.size());
        ToDoubleFunction<Run> step = r -> r.perStep(r.wallMillis());
        ToDoubleFunction<Run> idleShare = r -> 100 * r.idleMillis() / r.wallMillis();
        ToDoubleFunction<Run> gaps = r -> (double) r.gaps() / r.steps();
        ToDoubleFunction<Run> meanGap = r -> r.gaps() == 0 ? 0 : r.gapMillis() / r.gaps();
        double dataStep = data.median(step);
        var text = new StringBuilder();
        text.append(("Per step, %s as long as DATA (%.0f ms); a step runs %s tasks against DATA's %d, and no lane"
                        + " computes for %s of it (DATA: %.0f%%). Between tasks the lanes stand idle %.1f times a step for %.0f ms"
                        + " each in DATA (the scheduler averaging the whole model's gradients and applying the"
                        + " optimiser), %s.")
                .formatted(
                        joined(splits, r -> "%s takes %.2f×".formatted(r.split(), r.median(step) / dataStep)),
                        dataStep,
                        joined(splits, r -> Integer.toString(r.runs().getFirst().tasksPerStep())),
                        data.runs().getFirst().tasksPerStep(),
                        joined(splits, r -> "%.0f%%".formatted(r.median(idleShare))),
                        data.median(idleShare),
                        data.median(gaps),
                        data.median(meanGap),
                        joined(
                                splits,
                                r -> "%.1f times for %.0f ms in %s"
                                        .formatted(r.median(gaps), r.median(meanGap), r.split()))));
        var slowest = splits.stream()
                .max((a, b) -> Double.compare(a.median(step), b.median(step)))
                .orElseThrow();
        double extra = slowest.median(step) - dataStep;
        if (extra > 0) {
            double extraIdle =
                    slowest.median(r -> r.perStep(r.idleMillis())) - data.median(r -> r.perStep(r.idleMillis()));
            ToDoubleFunction<Run> meanTask = r -> r.computeMillis() / r.totalTasks();
            text.append((" Of the %.0f ms %s adds to a step, %.0f ms is more time with no lane computing and %.0f ms"
                            + " more with a lane computing (%d tasks of %.0f ms, %.0f lane-ms a step, against"
                            + " DATA's %d of %.0f ms, %.0f lane-ms): %s.")
                    .formatted(
                            extra,
                            slowest.split(),
                            extraIdle,
                            extra - extraIdle,
                            slowest.runs().getFirst().tasksPerStep(),
                            slowest.median(meanTask),
                            slowest.median(r -> r.perStep(r.computeMillis())),
                            data.runs().getFirst().tasksPerStep(),
                            data.median(meanTask),
                            data.median(r -> r.perStep(r.computeMillis())),
                            extraIdle >= extra / 2
                                    ? "the way between rounds, more than the tasks' own time, is what the split costs"
                                    : "the tasks' own time (each reads its inputs and stores its output, and a"
                                            + " backward recomputes its part's forward), more than the way between"
                                            + " rounds, is what the split costs"));
        } else {
            text.append(" No split is slower than DATA here.");
        }
        var losses = results.stream().map(r -> r.median(Run::loss)).toList();
        double lossSpread = Stats.of(losses).max() - Stats.of(losses).min();
        text.append(
                lossSpread < 1e-3
                        ? " All three end at the same loss, so they train the same model the same way."
                        : " Their losses after the last step differ by %.3f.".formatted(lossSpread));
        long dataPeak = Math.max(data.peakOne(), data.peakTwo());
        text.append(" The larger worker's peak resident memory: DATA %d MiB, %s"
                .formatted(dataPeak, joined(splits, r -> {
                    long peak = Math.max(r.peakOne(), r.peakTwo());
                    return "%s %d MiB (%+d)".formatted(r.split(), peak, peak - dataPeak);
                })));
        if (quick) {
            return text.append(".").toString();
        }
        double parametersMiB = size.architecture().parameterBytes() / (1024.0 * 1024.0);
        long pair = results.stream()
                .mapToLong(r -> Math.abs(r.peakOne() - r.peakTwo()))
                .max()
                .orElse(0);
        long largest = splits.stream()
                .mapToLong(r -> Math.abs(Math.max(r.peakOne(), r.peakTwo()) - dataPeak))
                .max()
                .orElse(0);
        text.append(("; the whole model's parameters are %.1f MiB and the two workers of one split differ by up to %d"
                        + " MiB, so %s.")
                .formatted(
                        parametersMiB,
                        pair,
                        largest <= pair
                                ? "the splits' differences are within what two workers of the same job differ by:"
                                        + " at this size peak memory does not show what a split saves"
                                : largest > 4 * parametersMiB
                                        ? "the splits' differences are many times what a split could save in"
                                                + " parameters: at this size peak memory does not show what a split"
                                                + " saves"
                                        : "the splits' differences are of the order of the parameters they share"));
        return text.toString();
    }

    private static String joined(List<Result> results, Function<Result, String> each) {
        return results.stream().map(each).collect(Collectors.joining(" and "));
    }

    /**
     * {@code bytes} of pseudo-English, the same every time: a walk over the word pairs of {@link #SOURCE} (each word
     * followed by one of the words that follow it there), from a seeded generator, in lines of about 70 characters.
     */
    static String text(int bytes) {
        var words = Arrays.asList(SOURCE.split("\\s+"));
        var next = new LinkedHashMap<String, List<String>>();
        for (int i = 0; i + 1 < words.size(); i++) {
            next.computeIfAbsent(words.get(i), w -> new ArrayList<>()).add(words.get(i + 1));
        }
        var random = new Random(11);
        var out = new StringBuilder(bytes + 32);
        String word = words.getFirst();
        int line = 0;
        while (out.length() < bytes) {
            out.append(word);
            line += word.length();
            if (line >= 70) {
                out.append('\n');
                line = 0;
            } else {
                out.append(' ');
                line++;
            }
            var followers = next.get(word);
            word = followers == null || word.endsWith(".") && random.nextInt(4) == 0
                    ? "And"
                    : followers.get(random.nextInt(followers.size()));
        }
        return out.substring(0, bytes);
    }
}
