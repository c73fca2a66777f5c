package io.shardflow.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The command line: {@code --quick} (a small version of every scenario, for CI), {@code --api URL} (a running
 * installation instead of starting one), {@code --jar PATH} (the standalone jar to start), {@code --scenarios a,b},
 * {@code --repeats N}, {@code --out FILE}; with {@code --api}, {@code --jdbc URL} and {@code --kafka HOST:PORT} name
 * the installation's database and broker for the references measured beside it, and {@code --key} (or
 * {@code SHARDFLOW_API_KEY}) the ADMIN API key to call it with; {@code --duration} (such as {@code 10m}, {@code 90s} or
 * seconds) how long a scenario that runs for a time (overload) runs, and the longest the {@code mixed} scenario's
 * calls under load run; {@code --help} prints the options and the scenarios and runs nothing.
 */
public record BenchOptions(
        boolean help,
        boolean quick,
        @Nullable String api,
        Path jar,
        List<String> scenarios,
        int repeats,
        Path out,
        @Nullable String jdbc,
        @Nullable String kafka,
        @Nullable String key,
        @Nullable Duration duration) {

    static final String OPTIONS = """
            options:
              --quick             a small version of every scenario (what CI runs)
              --scenarios a,b     only these scenarios (the list below)
              --repeats N         runs of each scenario (3; 1 with --quick)
              --out FILE          the report (docs/benchmarks.md)
              --jar PATH          the standalone jar to start (standalone/target/shardflow-standalone.jar)
              --api URL           a running installation instead of starting one
              --key API_KEY       its ADMIN key (or SHARDFLOW_API_KEY)
              --jdbc URL          its database, for the references measured beside it
              --kafka HOST:PORT   its broker, for the same
              --duration 10m      how long a timed scenario (overload, mixed) runs
              --help              this text""";

    public static BenchOptions parse(String... args) {
        boolean help = false;
        boolean quick = false;
        String api = null;
        Path jar = Path.of("standalone/target/shardflow-standalone.jar");
        List<String> scenarios = List.of();
        Integer repeats = null;
        Path out = Path.of("docs/benchmarks.md");
        String jdbc = null;
        String kafka = null;
        String key = System.getenv("SHARDFLOW_API_KEY");
        Duration duration = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--help", "-h" -> help = true;
                case "--quick" -> quick = true;
                case "--api" -> api = value(args, ++i, "--api");
                case "--jar" -> jar = Path.of(value(args, ++i, "--jar"));
                case "--scenarios" ->
                    scenarios = List.of(value(args, ++i, "--scenarios").split(","));
                case "--repeats" -> repeats = Integer.parseInt(value(args, ++i, "--repeats"));
                case "--out" -> out = Path.of(value(args, ++i, "--out"));
                case "--jdbc" -> jdbc = value(args, ++i, "--jdbc");
                case "--kafka" -> kafka = value(args, ++i, "--kafka");
                case "--key" -> key = value(args, ++i, "--key");
                case "--duration" -> duration = duration(value(args, ++i, "--duration"));
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "; " + OPTIONS);
            }
        }
        return new BenchOptions(
                help,
                quick,
                api,
                jar,
                new ArrayList<>(scenarios),
                repeats != null ? repeats : quick ? 1 : 3,
                out,
                jdbc,
                kafka,
                key,
                duration);
    }

    /** {@code 90} or {@code 90s} (seconds), {@code 10m}, {@code 1h}. */
    static Duration duration(String text) {
        var matcher = Pattern.compile("(\\d+)([smh]?)").matcher(text.strip());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("--duration takes seconds, or a number with s, m or h: " + text);
        }
        long n = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
