package io.shardflow.bench;

import io.shardflow.bench.scenarios.BatchInferenceScenario;
import io.shardflow.bench.scenarios.BatchIntakeScenario;
import io.shardflow.bench.scenarios.FairShareScenario;
import io.shardflow.bench.scenarios.GenerationScenario;
import io.shardflow.bench.scenarios.IntakeScenario;
import io.shardflow.bench.scenarios.KafkaIntakeScenario;
import io.shardflow.bench.scenarios.LaneScalingScenario;
import io.shardflow.bench.scenarios.LatencyScenario;
import io.shardflow.bench.scenarios.MixedScenario;
import io.shardflow.bench.scenarios.ModelParallelScenario;
import io.shardflow.bench.scenarios.MpTrainingScenario;
import io.shardflow.bench.scenarios.OverloadScenario;
import io.shardflow.bench.scenarios.SmallJobsScenario;
import io.shardflow.bench.scenarios.TrainingRoundsScenario;
import io.shardflow.bench.scenarios.UtilisationScenario;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the named scenarios against the standalone platform it starts (or {@code --api URL}) and writes the
 * report. A benchmark, not a test: it asserts nothing about speed.
 */
public final class Bench {
    // intake last: the platform is still running the jobs it accepted when it ends, and nothing waits for them
    private static final List<Scenario> SCENARIOS = List.of(
            new GenerationScenario(),
            new LatencyScenario(),
            new BatchInferenceScenario(),
            new LaneScalingScenario(),
            new TrainingRoundsScenario(),
            new ModelParallelScenario(),
            new SmallJobsScenario(),
            new MixedScenario(),
            new FairShareScenario(),
            new UtilisationScenario(),
            new IntakeScenario(),
            new BatchIntakeScenario(),
            new KafkaIntakeScenario());
    /**
     * Scenarios that run only when named: {@code --scenarios overload} (a soak of minutes), {@code mp-training} (a
     * platform and two workers of its own, and a gpt trained three ways: too long for CI's quick run).
     */
    private static final List<Scenario> ON_REQUEST = List.of(new OverloadScenario(), new MpTrainingScenario());

    private Bench() {}

    /** Every scenario: those that run by default, then those that run only when named. */
    private static List<Scenario> all() {
        var all = new ArrayList<>(SCENARIOS);
        all.addAll(ON_REQUEST);
        return all;
    }

    /** The options and every scenario with what it measures; those that run only when named are marked. */
    static String usage() {
        var text = new StringBuilder("java -jar bench/target/shardflow-bench.jar [options]\n")
                .append(BenchOptions.OPTIONS)
                .append("\nscenarios (every one but those marked runs by default):\n");
        for (var scenario : all()) {
            text.append("  ")
                    .append(scenario.name())
                    .append(ON_REQUEST.contains(scenario) ? " (only when named)" : "")
                    .append(": ")
                    .append(scenario.summary())
                    .append('\n');
        }
        return text.toString();
    }

    public static void main(String[] args) throws Exception {
        // charts are drawn into files, never on a screen
        System.setProperty("java.awt.headless", "true");
        var options = BenchOptions.parse(args);
        var all = all();
        if (options.help()) {
            System.out.println(usage());
            return;
        }
        var chosen = new ArrayList<Scenario>();
        for (var scenario : all) {
            if (options.scenarios().isEmpty()
                    ? SCENARIOS.contains(scenario)
                    : options.scenarios().contains(scenario.name())) {
                chosen.add(scenario);
            }
        }
        for (String name : options.scenarios()) {
            if (all.stream().noneMatch(s -> s.name().equals(name))) {
                throw new IllegalArgumentException("unknown scenario " + name + "; scenarios: "
                        + all.stream()
                                .map(s -> s.name() + " (" + s.summary() + ")")
                                .toList());
            }
        }
        // the platform the bench starts, unless --api names a running one
        Platform platform = null;
        String url = options.api();
        Http api;
        if (url == null) {
            platform = Platform.start(options.jar());
            url = platform.url();
            api = platform.api();
        } else {
            api = new Http(url, options.key());
        }
        try {
            var sections = new ArrayList<Report.Section>();
            for (var scenario : chosen) {
                System.out.println("bench: " + scenario.name() + " — " + scenario.summary());
                var section = scenario.run(new BenchContext(api, options, platform));
                System.out.println(section.markdown());
                sections.add(section);
            }
            Report.write(
                    options.out(),
                    options,
                    platform != null ? "the standalone platform started by the bench" : url,
                    sections);
            System.out.println("bench: wrote " + options.out());
        } finally {
            if (platform != null) {
                platform.close();
            }
        }
    }
}
